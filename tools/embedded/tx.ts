/**
 * Sending transactions in bankrun and reading what happened: success, logs, the compute units
 * our program used, and the error by the name Anchor's client gives it.
 */
import { AnchorError } from '@coral-xyz/anchor';
import { ComputeBudgetProgram, Keypair, PublicKey, Transaction, TransactionInstruction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import type { ProgramTestContext } from 'solana-bankrun';

export interface TxResult {
  ok: boolean;
  logs: string[];
  /** Compute units consumed by each top-level invocation of `programId`, from the logs. */
  unitsByProgram: Map<string, number[]>;
  /** The raw runtime error, e.g. "Error processing Instruction 1: custom program error: 0x1770". */
  rawError: string | null;
  /** The custom error number, when the failure was a custom program error. */
  errorNumber: number | null;
  /** The error name Anchor's client parses from the logs (AnchorError.parse), if any. */
  errorName: string | null;
}

let nonce = 0;

/** Parses "Program <id> consumed N of M compute units" for top-level invocations. */
export function unitsFromLogs(logs: string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let depth = 0;
  for (const line of logs) {
    const invoke = /^Program (\w+) invoke \[(\d+)\]/.exec(line);
    if (invoke) depth = Number(invoke[2]);
    const consumed = /^Program (\w+) consumed (\d+) of \d+ compute units/.exec(line);
    if (consumed && depth === 1) {
      const list = out.get(consumed[1]) ?? [];
      list.push(Number(consumed[2]));
      out.set(consumed[1], list);
    }
    if (/^Program \w+ (success|failed)/.test(line)) depth = Math.max(0, depth - 1);
  }
  return out;
}

/**
 * Sends `ixs` signed by the context payer and `signers`. A compute-budget instruction with a
 * fresh limit keeps otherwise identical transactions distinct (bankrun's blockhash is fixed).
 */
export async function send(
  context: ProgramTestContext,
  ixs: TransactionInstruction[],
  signers: Keypair[] = [],
  payer: Keypair = context.payer,
): Promise<TxResult> {
  const tx = new Transaction();
  tx.add(ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 - (nonce++ % 100_000) }));
  tx.add(...ixs);
  tx.feePayer = payer.publicKey;
  // The context's genesis blockhash expires after ~1 s of wall time (bankrun ticks in the
  // background), so long sequences in one context take the latest one.
  tx.recentBlockhash = (await context.banksClient.getLatestBlockhash())?.[0] ?? context.lastBlockhash;
  const unique = new Map<string, Keypair>();
  for (const k of [payer, ...signers]) unique.set(k.publicKey.toBase58(), k);
  tx.sign(...unique.values());
  const res = await context.banksClient.tryProcessTransaction(tx);
  const logs = res.meta?.logMessages ?? [];
  const rawError = res.result;
  const custom = rawError ? /custom program error: 0x([0-9a-f]+)/i.exec(rawError) : null;
  let errorName: string | null = null;
  try {
    errorName = AnchorError.parse(logs)?.error.errorCode.code ?? null;
  } catch {
    errorName = null;
  }
  return {
    ok: rawError === null,
    logs,
    unitsByProgram: unitsFromLogs(logs),
    rawError,
    errorNumber: custom ? parseInt(custom[1], 16) : null,
    errorName,
  };
}

/** Asserts a transaction succeeded, showing its logs when it did not. */
export function expectOk(res: TxResult): TxResult {
  assert.ok(res.ok, `transaction failed: ${res.rawError}\n${res.logs.join('\n')}`);
  return res;
}

/** Asserts a transaction failed with the named program error (and the matching number). */
export function expectError(res: TxResult, name: string, number?: number): void {
  assert.ok(!res.ok, `expected ${name}, but the transaction succeeded`);
  assert.equal(res.errorName, name, `expected ${name}, got ${res.errorName ?? res.rawError}\n${res.logs.join('\n')}`);
  if (number !== undefined) assert.equal(res.errorNumber, number);
}

/** Compute units used by `programId` in the last top-level instruction that invoked it. */
export function unitsOf(res: TxResult, programId: PublicKey): number {
  const list = res.unitsByProgram.get(programId.toBase58());
  assert.ok(list && list.length, `no compute-unit line for ${programId.toBase58()}`);
  return list[list.length - 1];
}
