/**
 * 200 sendTransaction calls at once — valid transfers, overdrafts, duplicates and garbage — all
 * land or fail cleanly, with balances that add up, fsync'd together (group commit) and still
 * there after a restart; the same in one JSON-RPC batch.
 */
import { Keypair, LAMPORTS_PER_SOL, type PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import type { Localnet } from '../../localnet';
import { fundedWallet, rawPost, rpc, startTestLocalnet, stop, tempDir, transferTx, type RpcReply } from './helpers';

interface Planned {
  kind: 'ok' | 'overdraft' | 'duplicate' | 'garbage';
  body: string;
  from?: PublicKey;
  to?: PublicKey;
  lamports?: number;
}

function send(body: string, id: number): object {
  return { jsonrpc: '2.0', id, method: 'sendTransaction', params: [body, { encoding: 'base64' }] };
}

describe('localnet: 200 concurrent sendTransaction calls', () => {
  const dir = tempDir('peer-ledger-concurrency');
  let net: Localnet | undefined;

  after(async () => {
    await stop(net);
    dir.remove();
  });

  async function plan(n: number): Promise<{ planned: Planned[]; senders: Keypair[] }> {
    const senders = await Promise.all(Array.from({ length: 20 }, () => fundedWallet(net!, 10)));
    const planned: Planned[] = [];
    const valid = n - 30;
    for (let i = 0; i < valid; i++) {
      const from = senders[i % senders.length];
      const to = Keypair.generate().publicKey;
      const lamports = LAMPORTS_PER_SOL / 100 + i;
      planned.push({ kind: 'ok', body: transferTx(net!, from, to, lamports).toString('base64'), from: from.publicKey, to, lamports });
    }
    for (let i = 0; i < 10; i++) planned.push({ kind: 'duplicate', body: planned[i * 7].body });
    for (let i = 0; i < 10; i++) {
      const from = senders[i];
      planned.push({ kind: 'overdraft', body: transferTx(net!, from, Keypair.generate().publicKey, 1_000 * LAMPORTS_PER_SOL).toString('base64') });
    }
    for (let i = 0; i < 10; i++) planned.push({ kind: 'garbage', body: Buffer.from(`not a transaction ${i}`).toString('base64') });
    // Interleave so duplicates race their originals.
    planned.sort(() => Math.random() - 0.5);
    return { planned, senders };
  }

  function check(planned: Planned[], replies: RpcReply<string>[]): void {
    assert.equal(replies.length, planned.length);
    const bodies = new Map<string, RpcReply<string>[]>();
    planned.forEach((p, i) => bodies.set(p.body, [...(bodies.get(p.body) ?? []), replies[i]]));
    planned.forEach((p, i) => {
      const r = replies[i];
      if (p.kind === 'garbage') assert.equal(r.error?.code, -32602, JSON.stringify(r));
      else if (p.kind === 'overdraft') {
        assert.equal(r.error?.code, -32002, JSON.stringify(r));
        assert.deepEqual((r.error?.data as { err: unknown }).err, { InstructionError: [0, { Custom: 1 }] });
      }
    });
    // Every valid transaction landed exactly once; its duplicate copy was refused.
    for (const p of planned.filter((x) => x.kind === 'ok')) {
      const rs = bodies.get(p.body)!;
      assert.equal(rs.filter((r) => typeof r.result === 'string').length, 1, JSON.stringify(rs));
      for (const r of rs.filter((x) => x.error)) {
        assert.equal(r.error?.code, -32002);
        assert.equal((r.error?.data as { err: unknown }).err, 'AlreadyProcessed');
      }
    }
  }

  async function checkBalances(planned: Planned[], senders: Keypair[], initial: Map<string, bigint>): Promise<void> {
    for (const p of planned.filter((x) => x.kind === 'ok')) {
      assert.equal(net!.bank.getAccount(p.to!.toBase58())?.lamports, BigInt(p.lamports!));
    }
    for (const s of senders) {
      const sent = planned.filter((p) => p.kind === 'ok' && p.from!.equals(s.publicKey));
      const spent = sent.reduce((n, p) => n + BigInt(p.lamports!) + 5_000n, 0n);
      assert.equal(net!.bank.getAccount(s.publicKey.toBase58())?.lamports, initial.get(s.publicKey.toBase58())! - spent);
    }
  }

  it('as 200 separate HTTP requests: each lands once or fails with a JSON-RPC error, durably', async () => {
    net = await startTestLocalnet({ ledgerDir: dir.path });
    const { planned, senders } = await plan(200);
    const initial = new Map(senders.map((s) => [s.publicKey.toBase58(), net!.bank.getAccount(s.publicKey.toBase58())!.lamports]));
    const replies = await Promise.all(planned.map(async (p, i) => (await rawPost(net!, send(p.body, i))).body as RpcReply<string>));
    check(planned, replies);
    const landed = replies.filter((r) => typeof r.result === 'string').map((r) => r.result!);
    assert.equal(landed.length, 170);
    const statuses = (await rpc<{ value: ({ err: unknown } | null)[] }>(net, 'getSignatureStatuses', [landed])).result!.value;
    assert.ok(statuses.every((s) => s !== null && s.err === null));
    await checkBalances(planned, senders, initial);
    assert.equal((await rpc(net, 'getHealth')).result, 'ok');

    // Every acknowledged transaction was durable before its reply.
    await stop(net);
    net = await startTestLocalnet({ ledgerDir: dir.path });
    await checkBalances(planned, senders, initial);
  });

  it('as one JSON-RPC batch of 200', async () => {
    const { planned, senders } = await plan(200);
    const initial = new Map(senders.map((s) => [s.publicKey.toBase58(), net!.bank.getAccount(s.publicKey.toBase58())!.lamports]));
    const res = await rawPost(net!, planned.map((p, i) => send(p.body, i)));
    const replies = (res.body as RpcReply<string>[]).sort((a, b) => (a.id as number) - (b.id as number));
    check(planned, replies);
    await checkBalances(planned, senders, initial);
  });
});
