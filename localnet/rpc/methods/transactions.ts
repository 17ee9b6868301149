/** Sending, simulating and looking up transactions, and the faucet. */
import { TxRejected, type AccountState } from '../../bank/types';
import { decodeBase58 } from '../../encoding/base58';
import { parseEncoding, uiAccount } from '../../encoding/accounts';
import { renderTransaction, TRANSACTION_ENCODINGS } from '../../encoding/transactions';
import { PACKET_DATA_SIZE } from '../../encoding/wire';
import {
  invalidParams,
  NODE_UNHEALTHY,
  RpcError,
  SEND_TRANSACTION_PREFLIGHT_FAILURE,
  TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
  UNSUPPORTED_TRANSACTION_VERSION,
} from '../errors';
import { checkContext, config, noMoreThan, oneOf, optionalBool, positional, pubkey, signature, u64Param, usize } from '../params';
import { withContext, type Handler } from '../context';
import { decimalsLookup, MAX_MULTIPLE_ACCOUNTS } from './accounts';

const MAX_BASE58_TX = 1683;
const MAX_BASE64_TX = 1644;
const MAX_SIGNATURE_STATUSES = 256;

/** The wire bytes of a transaction param, in the encoding the caller named (base58 by default). */
function wireBytes(value: unknown, encodingValue: unknown): Uint8Array {
  if (typeof value !== 'string') throw invalidParams('transaction must be an encoded string');
  const encoding = oneOf(encodingValue, ['base58', 'base64'] as const, 'encoding', 'base58');
  const max = encoding === 'base58' ? MAX_BASE58_TX : MAX_BASE64_TX;
  if (value.length > max) {
    throw invalidParams(`${encoding} encoded solana_transaction::versioned::VersionedTransaction too large: ${value.length} bytes (max: encoded/raw ${max}/${PACKET_DATA_SIZE})`);
  }
  if (encoding === 'base58') {
    const bytes = decodeBase58(value);
    if (!bytes) throw invalidParams('invalid base58 encoding');
    return bytes;
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw invalidParams('invalid base64 encoding');
  return Buffer.from(value, 'base64');
}

/** TxRejected → the JSON-RPC error agave returns for it. */
export function rejectionError(err: TxRejected): RpcError {
  switch (err.kind) {
    case 'malformed':
    case 'unsupported':
      return invalidParams(err.message);
    case 'signature':
      return new RpcError(TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, 'Transaction signature verification failure');
    case 'preflight':
      return new RpcError(SEND_TRANSACTION_PREFLIGHT_FAILURE, err.message, {
        err: err.err,
        logs: err.logs,
        accounts: null,
        unitsConsumed: err.unitsConsumed,
        returnData: err.returnData ? { programId: err.returnData.programId, data: [err.returnData.data, 'base64'] } : null,
        innerInstructions: null,
      });
  }
}

async function durable(committed: Promise<void>): Promise<void> {
  try {
    await committed;
  } catch (e) {
    throw new RpcError(NODE_UNHEALTHY, `Node is unhealthy: the ledger could not persist the transaction (${e instanceof Error ? e.message : String(e)})`);
  }
}

export const transactionMethods: Record<string, Handler> = {
  async sendTransaction(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const cfg = config(p[1]);
    const raw = wireBytes(p[0], cfg.encoding);
    const skipPreflight = optionalBool(cfg, 'skipPreflight', false);
    checkContext({ commitment: cfg.preflightCommitment, minContextSlot: cfg.minContextSlot }, ctx.bank.slot);
    if (cfg.maxRetries !== undefined && cfg.maxRetries !== null) usize(cfg.maxRetries, 'maxRetries');
    let landed;
    try {
      landed = ctx.bank.execute(raw, !skipPreflight);
    } catch (e) {
      if (e instanceof TxRejected) throw rejectionError(e);
      throw e;
    }
    await durable(landed.committed);
    return landed.signature;
  },

  simulateTransaction(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const cfg = config(p[1]);
    const raw = wireBytes(p[0], cfg.encoding);
    checkContext(cfg, ctx.bank.slot);
    const sigVerify = optionalBool(cfg, 'sigVerify', false);
    const replaceRecentBlockhash = optionalBool(cfg, 'replaceRecentBlockhash', false);
    if (sigVerify && replaceRecentBlockhash) throw invalidParams('sigVerify may not be used with replaceRecentBlockhash');
    const wantInner = optionalBool(cfg, 'innerInstructions', false);
    let addresses: string[] | null = null;
    let accountEncoding = parseEncoding('base64', 'base64');
    if (cfg.accounts !== undefined && cfg.accounts !== null) {
      const a = config(cfg.accounts);
      if (!Array.isArray(a.addresses)) throw invalidParams('accounts.addresses must be an array');
      if (a.addresses.length > MAX_MULTIPLE_ACCOUNTS) throw invalidParams(`Too many accounts provided; max ${MAX_MULTIPLE_ACCOUNTS}`);
      addresses = a.addresses.map((x) => pubkey(x, 'account address'));
      accountEncoding = parseEncoding(a.encoding, 'base64');
      if (accountEncoding === 'binary' || accountEncoding === 'base58') throw invalidParams('accounts.encoding must be base64 or jsonParsed');
    }
    let sim;
    try {
      sim = ctx.bank.simulate(raw, { sigVerify, replaceRecentBlockhash, accounts: addresses });
    } catch (e) {
      if (e instanceof TxRejected) throw rejectionError(e);
      throw e;
    }
    const decimals = decimalsLookup(ctx.bank);
    return withContext(ctx, {
      err: sim.err,
      logs: sim.logs,
      accounts: sim.accounts ? sim.accounts.map((s: AccountState | null) => (s ? uiAccount(s, accountEncoding, null, decimals) : null)) : null,
      unitsConsumed: sim.unitsConsumed,
      returnData: sim.returnData ? { programId: sim.returnData.programId, data: [sim.returnData.data, 'base64'] } : null,
      innerInstructions: wantInner ? sim.innerInstructions : null,
      replacementBlockhash: sim.replacementBlockhash,
      loadedAddresses: sim.loadedAddresses,
      fee: sim.fee,
    });
  },

  getSignatureStatuses(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    if (!Array.isArray(p[0])) throw invalidParams('expected an array of signatures');
    if (p[0].length > MAX_SIGNATURE_STATUSES) throw invalidParams(`Too many inputs provided; max ${MAX_SIGNATURE_STATUSES}`);
    const sigs = p[0].map(signature);
    const cfg = config(p[1]);
    optionalBool(cfg, 'searchTransactionHistory', false);
    return withContext(
      ctx,
      sigs.map((s) => {
        const r = ctx.bank.history.get(s);
        if (!r) return null;
        return { slot: r.slot, confirmations: null, err: r.err, status: r.err === null ? { Ok: null } : { Err: r.err }, confirmationStatus: 'finalized' };
      }),
    );
  },

  getTransaction(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const sig = signature(p[0]);
    // The legacy form of the second param is the encoding name.
    const cfg = typeof p[1] === 'string' ? { encoding: p[1] } : config(p[1]);
    checkContext(cfg, ctx.bank.slot);
    if (cfg.commitment === 'processed') throw invalidParams('Method does not support commitment below `confirmed`');
    const encoding = oneOf(cfg.encoding, TRANSACTION_ENCODINGS, 'encoding', 'json');
    const maxVersion = cfg.maxSupportedTransactionVersion;
    if (maxVersion !== undefined && maxVersion !== null && maxVersion !== 0) throw invalidParams('maxSupportedTransactionVersion must be 0');
    const r = ctx.bank.history.get(sig);
    if (!r) return null;
    if (r.version === 0 && maxVersion !== 0) {
      throw new RpcError(
        UNSUPPORTED_TRANSACTION_VERSION,
        'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
      );
    }
    const out = renderTransaction(r, encoding);
    if (maxVersion === undefined || maxVersion === null) delete out.version;
    return out;
  },

  getSignaturesForAddress(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 2);
    const address = pubkey(p[0], 'address');
    const cfg = config(p[1]);
    checkContext(cfg, ctx.bank.slot);
    const limit = cfg.limit === undefined || cfg.limit === null ? 1000 : usize(cfg.limit, 'limit', 1000);
    if (limit === 0) throw invalidParams('limit must be between 1 and 1000');
    const before = cfg.before === undefined || cfg.before === null ? null : signature(cfg.before);
    const until = cfg.until === undefined || cfg.until === null ? null : signature(cfg.until);
    const out: unknown[] = [];
    let started = before === null;
    for (const r of ctx.bank.history.newestFirst()) {
      if (!started) {
        if (r.signature === before) started = true;
        continue;
      }
      if (r.signature === until) break;
      if (!r.accountKeys.includes(address)) continue;
      out.push({ signature: r.signature, slot: r.slot, err: r.err, memo: null, blockTime: r.blockTime, confirmationStatus: 'finalized' });
      if (out.length >= limit) break;
    }
    return out;
  },

  async requestAirdrop(params, ctx) {
    const p = positional(params);
    noMoreThan(p, 3);
    const to = pubkey(p[0]);
    const lamports = u64Param(p[1], 'lamports');
    if (lamports === 0n) throw invalidParams('lamports must be greater than 0');
    checkContext(config(p[2]), ctx.bank.slot);
    let landed;
    try {
      landed = ctx.bank.requestAirdrop(to, lamports);
    } catch (e) {
      if (e instanceof TxRejected) throw new RpcError(-32603, e.message, e.err ? { err: e.err, logs: e.logs } : undefined);
      throw e;
    }
    await durable(landed.committed);
    return landed.signature;
  },
};
