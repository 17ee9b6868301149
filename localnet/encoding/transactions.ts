/**
 * Landed transactions as getTransaction returns them, in the `json`, `jsonParsed` (System, SPL
 * Token, associated token and Memo instructions parsed, others partially decoded: program id,
 * account addresses, base58 data), `base64` and `base58`
 * encodings, with agave's meta (fee, balances, token balances, inner instructions, logs, loaded
 * addresses, compute units, return data).
 */
import type { TxRecord } from '../bank/history';
import { decodeBase58, encodeBase58 } from './base58';
import { parsedInstruction } from './instructions';
import { isSignerIndex, isWritableIndex, parseTransaction } from './wire';

export const TRANSACTION_ENCODINGS = ['json', 'jsonParsed', 'base64', 'base58', 'binary'] as const;
export type TransactionEncoding = (typeof TRANSACTION_ENCODINGS)[number];

function statusOf(err: TxRecord['err']): { Ok: null } | { Err: unknown } {
  return err === null ? { Ok: null } : { Err: err };
}

function meta(r: TxRecord, parsed: boolean): Record<string, unknown> {
  const keys = r.accountKeys;
  return {
    err: r.err,
    status: statusOf(r.err),
    fee: BigInt(r.fee),
    preBalances: r.preBalances.map(BigInt),
    postBalances: r.postBalances.map(BigInt),
    innerInstructions: r.innerInstructions.map((group) => ({
      index: group.index,
      instructions: group.instructions.map((ix) =>
        parsed
          ? parsedInstruction(keys[ix.programIdIndex], ix.accounts.map((a) => keys[a]), decodeBase58(ix.data) ?? new Uint8Array(0), ix.stackHeight)
          : ix,
      ),
    })),
    logMessages: r.logs,
    preTokenBalances: r.preTokenBalances,
    postTokenBalances: r.postTokenBalances,
    rewards: [],
    loadedAddresses: r.loadedAddresses,
    computeUnitsConsumed: r.computeUnits,
    ...(r.returnData ? { returnData: { programId: r.returnData.programId, data: [r.returnData.data, 'base64'] } } : {}),
  };
}

export function renderTransaction(r: TxRecord, encoding: TransactionEncoding): Record<string, unknown> {
  const raw = Buffer.from(r.tx, 'base64');
  let transaction: unknown;
  if (encoding === 'base64') transaction = [r.tx, 'base64'];
  else if (encoding === 'base58' || encoding === 'binary') transaction = encoding === 'binary' ? encodeBase58(raw) : [encodeBase58(raw), 'base58'];
  else {
    const tx = parseTransaction(raw);
    const m = tx.message;
    const signatures = tx.signatures.map(encodeBase58);
    const lookups = m.version === 0 ? { addressTableLookups: m.addressTableLookups } : {};
    if (encoding === 'json') {
      transaction = {
        signatures,
        message: {
          accountKeys: m.staticKeys,
          header: m.header,
          recentBlockhash: m.recentBlockhash,
          instructions: m.instructions.map((ix) => ({ programIdIndex: ix.programIdIndex, accounts: ix.accounts, data: encodeBase58(ix.data), stackHeight: null })),
          ...lookups,
        },
      };
    } else {
      const keys = r.accountKeys;
      const nStatic = m.staticKeys.length;
      transaction = {
        signatures,
        message: {
          accountKeys: keys.map((pubkey, i) => ({
            pubkey,
            writable: isWritableIndex(m, i, r.loadedAddresses.writable.length),
            signer: isSignerIndex(m, i),
            source: i < nStatic ? 'transaction' : 'lookupTable',
          })),
          recentBlockhash: m.recentBlockhash,
          instructions: m.instructions.map((ix) => parsedInstruction(keys[ix.programIdIndex], ix.accounts.map((a) => keys[a]), ix.data, null)),
          ...lookups,
        },
      };
    }
  }
  return {
    slot: r.slot,
    blockTime: r.blockTime,
    version: r.version,
    transaction,
    meta: meta(r, encoding === 'jsonParsed'),
  };
}
