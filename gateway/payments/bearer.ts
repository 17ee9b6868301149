/** Bearer API keys: `Authorization: Bearer <key>` → the ledger account holding its credits. */
import { unauthorized } from '../errors';
import type { Account, Ledger } from '../ledger';

export class BearerPayments {
  readonly name = 'bearer';

  constructor(private readonly ledger: Ledger) {}

  /** The account of the request's key; null when no Authorization header; 401 for a bad one. */
  account(authorization: string | undefined): Account | null {
    if (authorization === undefined || authorization.trim() === '') return null;
    const m = /^Bearer\s+(\S{1,256})\s*$/i.exec(authorization);
    if (!m) throw unauthorized('the Authorization header must be "Bearer <API key>"');
    const account = this.ledger.accountForKey(m[1]);
    // The key itself never appears in the message (it may be a secret typed in the wrong place).
    if (!account) throw unauthorized('Incorrect API key provided. Create one with `peer gateway keys create`.');
    return account;
  }
}
