/**
 * x402 (protocol v2) on Solana, with the gateway as its own facilitator: a 402 answer carries
 * `PAYMENT-REQUIRED` (exact scheme, the market's USDC mint, payTo = the gateway wallet, the
 * amount for this request, the gateway as fee payer); a retry carries `PAYMENT-SIGNATURE` with
 * the client's partially signed TransferChecked transaction, which the gateway verifies
 * (@x402/svm's facilitator: amount, mint, recipient, fee-payer isolation, simulation) and
 * settles itself against its RPC, then answers with `PAYMENT-RESPONSE`.
 *
 * Exactly once: a payment is reserved in SQLite under the hash of its transaction message, with
 * the signature the chain will know it by (the gateway's ed25519 fee-payer signature is
 * deterministic, so it is computed before settling). A replay finds the reservation and is
 * refused with `duplicate_settlement`; a crash after settling is completed on restart from the
 * chain (reconcile.ts), so a payment is never lost and never credited twice.
 */
import { Keypair, VersionedTransaction, type PublicKey } from '@solana/web3.js';
import { createKeyPairSignerFromBytes } from '@solana/kit';
import { x402Facilitator } from '@x402/core/facilitator';
import { decodePaymentSignatureHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentPayload, PaymentRequirements, SettleResponse } from '@x402/core/types';
import { ExactSvmScheme } from '@x402/svm/exact/facilitator';
import { toFacilitatorSvmSigner } from '@x402/svm';
import bs58 from 'bs58';
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { MARKET } from '../../sdk/src/constants';
import type { Logger } from '../../service-kit/log';
import { GatewayError } from '../errors';
import type { Ledger } from '../ledger';

export const X402_VERSION = 2;

export interface X402Options {
  rpcUrl: string;
  /** CAIP-2 id (devnet's on a local network). */
  network: string;
  usdcMint: PublicKey;
  wallet: Keypair;
  timeoutSeconds: number;
  ledger: Ledger;
  log: Logger;
}

export interface Settled {
  payer: string;
  signature: string;
  credits: bigint;
  /** PAYMENT-RESPONSE header value. */
  responseHeader: string;
}

/** Payment failures as x402 names them (the `error` of a PAYMENT-REQUIRED). */
export class PaymentRefused extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

export class X402Payments {
  private facilitator: x402Facilitator | null = null;

  constructor(private readonly opts: X402Options) {}

  async init(): Promise<void> {
    const signer = await createKeyPairSignerFromBytes(this.opts.wallet.secretKey);
    const facilitatorSigner = toFacilitatorSvmSigner(signer, { defaultRpcUrl: this.opts.rpcUrl });
    this.facilitator = new x402Facilitator().register(this.opts.network as `${string}:${string}`, new ExactSvmScheme(facilitatorSigner));
  }

  requirements(credits: bigint): PaymentRequirements {
    return {
      scheme: 'exact',
      network: this.opts.network as `${string}:${string}`,
      asset: this.opts.usdcMint.toBase58(),
      amount: (credits * MARKET.CREDIT_BASE_UNITS).toString(),
      payTo: this.opts.wallet.publicKey.toBase58(),
      maxTimeoutSeconds: this.opts.timeoutSeconds,
      extra: { feePayer: this.opts.wallet.publicKey.toBase58() },
    };
  }

  /** A 402 for `credits`, in OpenAI's error shape with the x402 header. */
  paymentRequired(args: { credits: bigint; resource: string; description: string; error?: string; message?: string }): GatewayError {
    const header = encodePaymentRequiredHeader({
      x402Version: X402_VERSION,
      error: args.error ?? 'payment_required',
      resource: { url: args.resource, description: args.description, mimeType: 'application/json' },
      accepts: [this.requirements(args.credits)],
    });
    const message = args.message ?? `payment required: ${args.credits} credits (${args.credits * MARKET.CREDIT_BASE_UNITS} USDC base units) over x402, or an API key with credits`;
    return new GatewayError(402, message, 'insufficient_quota', args.error ?? 'payment_required', null, { 'PAYMENT-REQUIRED': header, 'Access-Control-Expose-Headers': 'PAYMENT-REQUIRED, PAYMENT-RESPONSE' });
  }

  /** Decodes a PAYMENT-SIGNATURE header; a malformed one is refused. */
  decode(header: string): PaymentPayload {
    let payload: PaymentPayload;
    try {
      payload = decodePaymentSignatureHeader(header);
    } catch {
      throw new PaymentRefused('invalid_payload', 'the PAYMENT-SIGNATURE header is not a base64 x402 payload');
    }
    if (!payload || payload.x402Version !== X402_VERSION) throw new PaymentRefused('invalid_x402_version', `only x402 version ${X402_VERSION} is accepted`);
    if (!payload.accepted || typeof payload.accepted !== 'object') throw new PaymentRefused('invalid_payload', 'the payment names no accepted requirement');
    return payload;
  }

  /** Credits the payer offers (accepted.amount / 10,000), if it is a whole number of credits. */
  offeredCredits(payload: PaymentPayload): bigint {
    const raw = payload.accepted.amount;
    if (typeof raw !== 'string' || !/^[1-9][0-9]{0,17}$/.test(raw)) throw new PaymentRefused('invalid_exact_svm_payload_amount_mismatch', 'the payment amount is not a positive whole number');
    const amount = BigInt(raw);
    if (amount % MARKET.CREDIT_BASE_UNITS !== 0n) throw new PaymentRefused('invalid_exact_svm_payload_amount_mismatch', `the amount must be a whole number of credits (${MARKET.CREDIT_BASE_UNITS} base units each)`);
    return amount / MARKET.CREDIT_BASE_UNITS;
  }

  /**
   * Verifies and settles a payment of exactly `credits` for `accountId` (null: the payer's own
   * x402 account), and credits it in the ledger. Throws PaymentRefused.
   */
  async settle(payload: PaymentPayload, credits: bigint, account: { accountId: string | null }, purpose: string): Promise<Settled & { accountId: string }> {
    if (!this.facilitator) throw new Error('x402 is not initialized');
    const requirements = this.requirements(credits);
    const tx = this.transactionOf(payload);
    const messageBytes = tx.message.serialize();
    const messageHash = createHash('sha256').update(messageBytes).digest('hex');
    if (this.opts.ledger.settlementSeen(messageHash)) throw new PaymentRefused('duplicate_settlement', 'this payment was already used');
    const verified = await this.facilitator.verify(payload, requirements);
    if (!verified.isValid) {
      throw new PaymentRefused(verified.invalidReason ?? 'invalid_payment', verified.invalidMessage ?? `payment refused: ${verified.invalidReason ?? 'invalid'}`);
    }
    const payer = verified.payer ?? 'unknown';
    const accountId = account.accountId ?? this.opts.ledger.x402Account(payer).id;
    // The fee payer's signature is the transaction's id; ed25519 is deterministic, so it is known now.
    const signature = bs58.encode(nacl.sign.detached(messageBytes, this.opts.wallet.secretKey));
    const usdc = credits * MARKET.CREDIT_BASE_UNITS;
    if (!this.opts.ledger.reserveSettlement({ messageHash, signature, accountId, payer, usdc, credits, purpose })) {
      throw new PaymentRefused('duplicate_settlement', 'this payment was already used');
    }
    let settled: SettleResponse;
    try {
      settled = await this.facilitator.settle(payload, requirements);
    } catch (err) {
      // Unknown outcome: the reservation stays; the reconciler reads the chain and finishes it.
      this.opts.log.warn('x402.settle_unknown', { signature, error: (err as Error).message });
      throw new PaymentRefused('settlement_pending', 'the payment could not be confirmed yet; it will be credited to your account if it lands');
    }
    if (!settled.success) {
      if (settled.errorReason === 'duplicate_settlement') throw new PaymentRefused('duplicate_settlement', 'this payment was already used');
      this.opts.ledger.dropSettlement(messageHash);
      throw new PaymentRefused(settled.errorReason ?? 'settlement_failed', settled.errorMessage ?? 'the payment failed on chain');
    }
    this.opts.ledger.completeSettlement(messageHash);
    this.opts.log.info('x402.settled', { payer, credits: credits.toString(), signature: settled.transaction, purpose });
    return { payer, signature: settled.transaction, credits, accountId, responseHeader: encodePaymentResponseHeader(settled) };
  }

  private transactionOf(payload: PaymentPayload): VersionedTransaction {
    const b64 = (payload.payload as { transaction?: unknown }).transaction;
    if (typeof b64 !== 'string' || b64.length > 4096) throw new PaymentRefused('invalid_exact_svm_payload_transaction', 'the payment carries no transaction');
    try {
      return VersionedTransaction.deserialize(Buffer.from(b64, 'base64'));
    } catch {
      throw new PaymentRefused('invalid_exact_svm_payload_transaction', 'the payment transaction does not decode');
    }
  }
}
