/** Snapshots of accounts, to prove a rejected instruction changed nothing. */
import { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import type { ProgramTestContext } from 'solana-bankrun';

export type Snapshot = Map<string, string>;

export async function snapshot(context: ProgramTestContext, addresses: PublicKey[]): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const address of addresses) {
    const info = await context.banksClient.getAccount(address);
    out.set(
      address.toBase58(),
      info ? `${info.lamports}:${info.owner.toBase58()}:${Buffer.from(info.data).toString('hex')}` : 'missing',
    );
  }
  return out;
}

export async function expectUnchanged(context: ProgramTestContext, before: Snapshot): Promise<void> {
  const after = await snapshot(context, [...before.keys()].map((k) => new PublicKey(k)));
  for (const [address, state] of before) {
    assert.equal(after.get(address), state, `account ${address} changed`);
  }
}
