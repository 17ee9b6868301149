/**
 * What the gateway calls to take ecash as payment (in process; the mint and the gateway share
 * one machine, or the gateway calls the mint's HTTP `POST /v1/swap` itself).
 *
 * Protocol (NUT-24, HTTP 402 with Cashu):
 *   - a request without payment gets `402 Payment Required` and `X-Cashu: creqA…` (a NUT-18
 *     payment request naming the amount in credits, the unit and this mint's URL);
 *   - the client retries with `X-Cashu: cashuB…` (a V4 token of at least that amount);
 *   - optionally `X-Cashu-Change: <base64url JSON array of blinded messages>` totalling the
 *     overpayment: the change comes back as blind signatures in `X-Cashu-Change` of the
 *     response, so the mint cannot link the change to anything (recommended);
 *   - without change outputs, overpayment comes back as a fresh `cashuB` token in the
 *     response's `X-Cashu-Change` header. The gateway made those secrets, so that change is
 *     only as private as the gateway is honest: wallets should pay exact amounts or send
 *     blinded change outputs.
 * A malformed, foreign, replayed or insufficient token is refused with 400 and the Cashu error
 * code, and no credits move: the spend is one SQLite transaction.
 */
import { createOutputs, decodeChangeHeader, encodeChangeHeader, encodePaymentRequest, unblindOutputs } from '../sdk/src/privacy/wallet';
import { decodeToken, encodeTokenV4, TokenError, type BlindSignature, type BlindedMessage } from '../sdk/src/privacy/token';
import { CODES, MintError } from './errors';
import type { Ledger } from './ledger';

export const PAYMENT_HEADER = 'x-cashu';
export const CHANGE_HEADER = 'x-cashu-change';

export interface RedeemRequest {
  /** The `X-Cashu` header value: a cashuB (or cashuA) token. */
  token: string;
  /** Price of the request in credits. */
  price: number;
  /** Blinded change outputs (from `X-Cashu-Change`), totalling the overpayment. */
  changeOutputs?: BlindedMessage[];
}

export interface Redemption {
  opId: string;
  paid: number;
  /** Change as blind signatures over the client's own outputs. */
  changeSignatures?: BlindSignature[];
  /** Change as a fresh token (when the client sent no change outputs). */
  changeToken?: string;
}

/** The 402 answer: body and headers the gateway returns when a request carries no payment. */
export function paymentRequired(price: number, mintUrl: string): { status: 402; headers: Record<string, string>; body: { error: { message: string; type: string; code: string } } } {
  return {
    status: 402,
    headers: { 'X-Cashu': encodePaymentRequest({ amount: price, unit: 'credit', mints: [mintUrl] }) },
    body: { error: { message: `payment required: send a cashuB token of ${price} credits from ${mintUrl} in the X-Cashu header`, type: 'payment_required', code: 'cashu_payment_required' } },
  };
}

/** Parses `X-Cashu-Change`; a malformed header is a clear MintError. */
export function parseChangeHeader(value: string | undefined | null): BlindedMessage[] | undefined {
  try {
    return decodeChangeHeader<BlindedMessage>(value);
  } catch {
    throw new MintError(CODES.badRequest, 'X-Cashu-Change must be base64url JSON: an array of blinded messages');
  }
}

export { encodeChangeHeader };

export function redeem(ledger: Ledger, req: RedeemRequest, mintUrl: string): Redemption {
  if (!Number.isSafeInteger(req.price) || req.price < 1) throw new MintError(CODES.badRequest, 'price must be a positive whole number of credits');
  let proofs;
  try {
    const token = decodeToken(req.token);
    if (token.unit !== 'credit') throw new MintError(CODES.unitUnsupported, `token unit ${token.unit.slice(0, 20)} is not credit`);
    proofs = token.proofs;
  } catch (err) {
    if (err instanceof TokenError) throw new MintError(CODES.proofInvalid, `malformed token: ${err.message}`);
    throw err;
  }
  const opId = ledger.newOpId('redeem');
  const claimed = proofs.reduce((sum, p) => sum + p.amount, 0);
  if (claimed < req.price) throw new MintError(CODES.notBalanced, `token carries ${claimed} credits, the request costs ${req.price}`);
  // Without blinded change outputs from the client, make them here so the change is signed in
  // the same transaction as the spend (a token the gateway built, see the header comment).
  const ks = ledger.activeKeyset();
  const autoChange = !req.changeOutputs && claimed > req.price ? createOutputs(claimed - req.price, ks.id) : undefined;
  const { signatures } = ledger.spend(
    'redeem',
    opId,
    proofs,
    req.changeOutputs ?? autoChange?.outputs,
    (total) => total - req.price,
    (total) => {
      ledger.store.prepare('INSERT INTO redemptions(op_id, amount, change) VALUES (?, ?, ?)').run(opId, req.price, total - req.price);
      ledger.store.prepare("UPDATE totals SET value = value + ? WHERE name = 'redeemed'").run(req.price);
    },
  );
  const changeToken = autoChange ? encodeTokenV4({ mint: mintUrl, unit: 'credit', proofs: unblindOutputs(autoChange, signatures, ks.published) }) : undefined;
  return {
    opId,
    paid: req.price,
    ...(req.changeOutputs ? { changeSignatures: signatures } : {}),
    ...(changeToken ? { changeToken } : {}),
  };
}
