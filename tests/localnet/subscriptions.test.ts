/**
 * The PubSub WebSocket: account, program, signature, logs and slot subscriptions deliver (raw
 * and through web3.js), unsubscribing stops them, and malformed messages get JSON-RPC errors.
 */
import { Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction, sendAndConfirmTransaction, type Connection, type PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Localnet } from '../../localnet';
import { encodeBase58 } from '../../localnet/encoding/base58';
import { connect, fundedWallet, rpc, startTestLocalnet, stop, transferTx, until, waitFor, WsClient } from './helpers';

interface Ctx<T> {
  context: { slot: number };
  value: T;
}

describe('localnet: subscriptions', () => {
  let net: Localnet;
  let c: Connection;
  let ws: WsClient;
  let alice: Keypair;

  before(async () => {
    net = await startTestLocalnet({ slotMs: 100 });
    c = connect(net);
    ws = await WsClient.open(net);
    alice = await fundedWallet(net, 100);
  });

  after(async () => {
    ws.close();
    await stop(net);
  });

  async function send(raw: Buffer): Promise<string> {
    const reply = await rpc<string>(net, 'sendTransaction', [raw.toString('base64'), { encoding: 'base64' }]);
    assert.equal(typeof reply.result, 'string', JSON.stringify(reply.error));
    return reply.result!;
  }

  it('accountSubscribe notifies each change with the new state, until unsubscribed', async () => {
    const bob = Keypair.generate();
    const sub = (await ws.request<number>('accountSubscribe', [bob.publicKey.toBase58(), { encoding: 'base64', commitment: 'confirmed' }])).result!;
    assert.equal(typeof sub, 'number');
    await send(transferTx(net, alice, bob.publicKey, 2_000_000));
    const first = await ws.notification<Ctx<{ lamports: number; data: [string, string]; owner: string }>>(sub);
    assert.equal(first.value.lamports, 2_000_000);
    assert.deepEqual(first.value.data, ['', 'base64']);
    assert.equal(first.value.owner, SystemProgram.programId.toBase58());
    await send(transferTx(net, alice, bob.publicKey, 3_000_000));
    assert.equal((await ws.notification<Ctx<{ lamports: number }>>(sub)).value.lamports, 5_000_000);
    assert.equal((await ws.request('accountUnsubscribe', [sub])).result, true);
    assert.equal((await ws.request('accountUnsubscribe', [sub])).error?.code, -32602);
    const third = transferTx(net, alice, bob.publicKey, 1_000_000);
    const sigSub = (await ws.request<number>('signatureSubscribe', [encodeBase58(third.subarray(1, 65))])).result!;
    await send(third);
    // The signature notification comes after any account notification the transaction caused.
    await ws.notification(sigSub);
    assert.equal(ws.pending(sub), 0);
  });

  it('signatureSubscribe notifies once when the transaction lands, with its error', async () => {
    const bob = Keypair.generate();
    const ok = transferTx(net, alice, bob.publicKey, 1_000_000);
    const okSig = encodeBase58(ok.subarray(1, 65));
    const sub = (await ws.request<number>('signatureSubscribe', [okSig, { commitment: 'confirmed' }])).result!;
    await send(ok);
    const note = await ws.notification<Ctx<{ err: unknown }>>(sub);
    assert.equal(note.value.err, null);
    assert.ok(note.context.slot >= 0);
    // One notification, then the subscription is gone.
    assert.equal((await ws.request('signatureUnsubscribe', [sub])).error?.code, -32602);

    const poor = await fundedWallet(net, 1);
    const failing = transferTx(net, poor, bob.publicKey, 10 * LAMPORTS_PER_SOL);
    const failSig = encodeBase58(failing.subarray(1, 65));
    const sub2 = (await ws.request<number>('signatureSubscribe', [failSig])).result!;
    await rpc(net, 'sendTransaction', [failing.toString('base64'), { encoding: 'base64', skipPreflight: true }]);
    const failed = await ws.notification<Ctx<{ err: unknown }>>(sub2);
    assert.deepEqual(failed.value.err, { InstructionError: [0, { Custom: 1 }] });
  });

  it('logsSubscribe delivers every transaction or those mentioning an address', async () => {
    const bob = Keypair.generate();
    const all = (await ws.request<number>('logsSubscribe', ['all'])).result!;
    const mentions = (await ws.request<number>('logsSubscribe', [{ mentions: [bob.publicKey.toBase58()] }, { commitment: 'confirmed' }])).result!;
    const other = Keypair.generate();
    const sigOther = await send(transferTx(net, alice, other.publicKey, 1_000_000));
    const sigBob = await send(transferTx(net, alice, bob.publicKey, 1_000_000));
    type Logs = Ctx<{ signature: string; err: unknown; logs: string[] }>;
    await ws.notification<Logs>(all, (r) => r.value.signature === sigOther);
    const viaAll = await ws.notification<Logs>(all, (r) => r.value.signature === sigBob);
    assert.deepEqual(viaAll.value.logs, ['Program 11111111111111111111111111111111 invoke [1]', 'Program 11111111111111111111111111111111 success']);
    const viaMention = await ws.notification<Logs>(mentions);
    assert.equal(viaMention.value.signature, sigBob, 'only the transaction that mentions bob');
    assert.equal(ws.pending(mentions), 0);
    await ws.request('logsUnsubscribe', [all]);
    await ws.request('logsUnsubscribe', [mentions]);
    const bad = await ws.request('logsSubscribe', [{ mentions: ['a', 'b'] }]);
    assert.equal(bad.error?.code, -32602);
  });

  it('programSubscribe notifies accounts of a program that change, honouring filters', async () => {
    const owner = Keypair.generate().publicKey;
    const sub = (await ws.request<number>('programSubscribe', [owner.toBase58(), { encoding: 'base64', filters: [{ dataSize: 32 }] }])).result!;
    const create = async (space: number): Promise<PublicKey> => {
      const acct = Keypair.generate();
      await sendAndConfirmTransaction(
        c,
        new Transaction().add(SystemProgram.createAccount({ fromPubkey: alice.publicKey, newAccountPubkey: acct.publicKey, lamports: await c.getMinimumBalanceForRentExemption(space), space, programId: owner })),
        [alice, acct],
      );
      return acct.publicKey;
    };
    const small = await create(16);
    const big = await create(32);
    const note = await ws.notification<Ctx<{ pubkey: string; account: { owner: string; space: number } }>>(sub);
    assert.equal(note.value.pubkey, big.toBase58());
    assert.equal(note.value.account.owner, owner.toBase58());
    assert.equal(note.value.account.space, 32);
    assert.equal(ws.pending(sub), 0, `nothing for ${small.toBase58()}: filtered out`);
    await ws.request('programUnsubscribe', [sub]);
  });

  it('slotSubscribe and rootSubscribe tick with the slot clock', async () => {
    const sub = (await ws.request<number>('slotSubscribe', [])).result!;
    const a = await ws.notification<{ slot: number; parent: number; root: number }>(sub);
    const b = await ws.notification<{ slot: number; parent: number; root: number }>(sub);
    assert.equal(a.parent, a.slot - 1);
    assert.ok(b.slot > a.slot);
    assert.equal((await ws.request('slotUnsubscribe', [sub])).result, true);
    const root = (await ws.request<number>('rootSubscribe', [])).result!;
    assert.equal(typeof (await ws.notification<number>(root)), 'number');
    await ws.request('rootUnsubscribe', [root]);
  });

  it('delivers through web3.js: onAccountChange, onLogs, onSlotChange, onSignature', async () => {
    const bob = Keypair.generate();
    const account = waitFor<number>('onAccountChange', (done) => {
      const id = c.onAccountChange(bob.publicKey, (info) => done(info.lamports), { commitment: 'confirmed' });
      return () => void c.removeAccountChangeListener(id);
    });
    const logs = waitFor<string>('onLogs', (done) => {
      const id = c.onLogs(bob.publicKey, (l) => done(l.signature), 'confirmed');
      return () => void c.removeOnLogsListener(id);
    });
    const slot = waitFor<number>('onSlotChange', (done) => {
      const id = c.onSlotChange((s) => done(s.slot));
      return () => void c.removeSlotChangeListener(id);
    });
    // Let the subscriptions reach the server before the transaction lands.
    assert.ok((await slot) >= 0);
    const raw = transferTx(net, alice, bob.publicKey, 4_000_000);
    const sig = encodeBase58(raw.subarray(1, 65));
    const signature = waitFor<unknown>('onSignature', (done) => {
      c.onSignature(sig, (result) => done(result.err), 'confirmed');
    });
    // onSignature subscribes asynchronously; the server answers the subscription before we send.
    await until('the signature subscription', () =>
      Object.values((c as unknown as { _subscriptionsByHash: Record<string, { state: string }> })._subscriptionsByHash).every((s) => s.state === 'subscribed'),
    );
    await send(raw);
    assert.equal(await account, 4_000_000);
    assert.equal(await logs, sig);
    assert.equal(await signature, null);
  });

  it('answers malformed and unknown WebSocket requests with errors, and keeps the connection', async () => {
    ws.sendText('{oops');
    const parse = (await ws.nextRaw((m) => (m as { error?: { code: number } }).error?.code === -32700)) as { id: null };
    assert.equal(parse.id, null);
    assert.equal((await ws.request('getSlot', [])).error?.code, -32601, 'HTTP methods are not served on the PubSub port');
    assert.equal((await ws.request('accountSubscribe', ['nope'])).error?.code, -32602);
    assert.equal((await ws.request('slotSubscribe', [1])).error?.code, -32602);
    const sub = (await ws.request<number>('slotSubscribe', [])).result!;
    assert.equal(typeof sub, 'number');
    await ws.request('slotUnsubscribe', [sub]);
  });

  it('closes a connection that sends an oversized message (1009), and serves others', async () => {
    const big = new WebSocket(net.wsUrl);
    await waitFor<void>('the socket to open', (done) => void big.once('open', () => done()));
    const closed = waitFor<number>('the oversized connection to close', (done) => void big.once('close', (code) => done(code)));
    big.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'slotSubscribe', params: ['x'.repeat(2 * 1024 * 1024)] }));
    assert.equal(await closed, 1009);
    assert.equal(typeof (await ws.request<number>('rootSubscribe', [])).result, 'number');
  });
});
