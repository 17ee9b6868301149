/**
 * Ecash payments (Cashu, NUT-24): a request carrying `X-Cashu: cashuB…` pays with blind-signed
 * credits from the Peer Cycles mint, so the gateway learns that a request was paid, never by
 * whom. A request with no payment gets 402 with `X-Cashu: creqA…` (amount, unit, mint). The
 * token is redeemed in process against the mint's ledger (mint/index.ts) for the request's
 * price; overpayment comes back in the answer's `X-Cashu-Change` (blind signatures over the
 * client's `X-Cashu-Change` outputs, or a fresh token). The credits land in a one-off ledger
 * account (no key anyone knows) that funds this request only; what the job does not use stays
 * with the gateway (the price is fixed when the token is spent).
 *
 * Wiring (gateway owner): construct `new EcashPayments({ mint: openMintLedger({ dataDir }),
 * mintUrl, ledger, log })` in service.ts when `ecash.mint_data_dir` is configured and pass it
 * as `ecash` in AppDeps; mount relay/gateway-side.ts's `mountObliviousGateway` for requests
 * that arrive through the Oblivious relay.
 */
import { MintError, encodeChangeHeader, parseChangeHeader, paymentRequired, redeem, type Ledger as MintLedger } from '../../mint';
import type { Logger } from '../../service-kit/log';
import { GatewayError } from '../errors';
import type { Ledger } from '../ledger';

export interface EcashOptions {
  mint: MintLedger;
  /** The mint's public URL (named in 402s and in change tokens). */
  mintUrl: string;
  ledger: Ledger;
  log: Logger;
}

export interface EcashPaid {
  accountId: string;
  credits: bigint;
  /** The answer's X-Cashu-Change header, when there was change. */
  changeHeader?: string;
}

export class EcashPayments {
  readonly name = 'ecash';
  constructor(private readonly opts: EcashOptions) {}

  /** 402 asking for `credits` in ecash (merge its headers into another 402 to offer both). */
  paymentRequired(credits: bigint, message?: string): GatewayError {
    const p = paymentRequired(Number(credits), this.opts.mintUrl);
    return new GatewayError(402, message ?? p.body.error.message, 'insufficient_quota', 'cashu_payment_required', null, p.headers);
  }

  /** Redeems the request's token for `credits`; 400 with the Cashu code for a bad token. */
  pay(token: string, changeHeader: string | undefined, credits: bigint): EcashPaid {
    if (credits > BigInt(Number.MAX_SAFE_INTEGER)) throw new GatewayError(400, 'price too large for ecash', 'invalid_request_error', 'cashu_amount');
    let r;
    try {
      r = redeem(this.opts.mint, { token, price: Number(credits), changeOutputs: parseChangeHeader(changeHeader) }, this.opts.mintUrl);
    } catch (err) {
      if (err instanceof MintError) {
        this.opts.log.info('ecash.refused', { code: err.code, detail: err.message });
        throw new GatewayError(400, `ecash payment refused: ${err.message}`, 'invalid_request_error', `cashu_${err.code}`);
      }
      throw err;
    }
    const { accountId } = this.opts.ledger.createKeyAccount(`ecash ${r.opId}`);
    this.opts.ledger.grant(accountId, credits, r.opId);
    this.opts.log.info('ecash.paid', { credits, op: r.opId });
    const changeHeader2 = r.changeSignatures ? encodeChangeHeader(r.changeSignatures) : r.changeToken;
    return { accountId, credits, ...(changeHeader2 ? { changeHeader: changeHeader2 } : {}) };
  }
}
