/**
 * How a request is paid for. Each method turns the request's headers into the ledger account
 * that pays (or a GatewayError: 401, or 402 with what to pay). Methods today: a bearer API key
 * with prepaid credits (bearer.ts) and a per-request x402 payment (x402.ts); the local mode pays
 * from the user's own on-chain credits (local.ts). An ecash method (blind-signed credits) can
 * join them behind the same interface.
 */
import type { GatewayError } from '../errors';

export interface PaymentContext {
  /** Lower-case header lookup. */
  header(name: string): string | undefined;
  /** What the request may cost at most, in credits (the quote), and where it was made. */
  quote: bigint;
  resource: string;
  description: string;
}

export type Payer =
  | { kind: 'account'; accountId: string; label: string; receipt?: Record<string, string> }
  /** Local mode: the wallet's own on-chain credits. */
  | { kind: 'wallet'; label: string; receipt?: Record<string, string> };

export interface PaymentMethod {
  readonly name: string;
  /** Null: this method does not apply to the request (e.g. no matching header). */
  authorize(ctx: PaymentContext): Promise<Payer | null>;
}

export type { GatewayError };
