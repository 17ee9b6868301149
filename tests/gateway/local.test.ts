/**
 * `peer gateway --local` (the user's own keypair: credits bought and jobs posted as the user,
 * no API keys) and recovery after a crash: a gateway that dies between holding a request's
 * credits and answering it loses nothing and charges nothing on restart, because the
 * reconciler settles its jobs from the chain.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import * as sdk from '../../sdk/src';
import { startMarket, startTestGateway, USDC, type Market } from './helpers';
import { startTestWorker } from './worker-node';
import { eventually } from '../harness/eventually';

const until = (what: string, check: () => Promise<boolean> | boolean, ms = 60_000) => eventually(what, check, ms);

describe('gateway: local mode and crash recovery', function () {
  this.timeout(300_000);
  let m: Market;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  before(async () => {
    m = await startMarket();
    worker = await startTestWorker(m);
  });
  after(async () => {
    await worker?.stop();
    await m?.close();
  });

  it('--local: the user buys credits on chain and posts jobs as itself; the worker claims them; the chain charges the user', async () => {
    const user = Keypair.generate();
    await m.fundUsdc(user.publicKey, 5n * USDC);
    const gw = await startTestGateway(m, { wallet: user, matcher: false, flags: { local: true, assign: 'matcher' } });
    try {
      const ctx = sdk.createContext({ connection: m.connection, wallet: user });
      const buy = await fetch(`${gw.url}/v1/credits/buy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credits: 20 }) });
      assert.equal(buy.status, 200, await buy.clone().text());
      assert.equal((await sdk.creditBalance(ctx)).balance, 20n);
      assert.equal(await m.usdcBalance(user.publicKey), 5n * USDC - 200_000n);
      const credits = (await (await fetch(`${gw.url}/v1/credits`)).json()) as { mode: string; balance: string };
      assert.deepEqual([credits.mode, credits.balance], ['local', '20']);

      const client = new OpenAI({ apiKey: 'local', baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const model = (await client.models.list()).data[0].id;
      const res = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Queequeg' }], max_tokens: 8 });
      const peer = (res as unknown as { peer: { job: string; price: string; verified: boolean } }).peer;
      assert.equal(peer.verified, true);
      const job = await m.connection.getParsedTransaction((await m.connection.getSignaturesForAddress(new PublicKey(peer.job))).pop()!.signature, { maxSupportedTransactionVersion: 0 });
      assert.ok(job?.transaction.message.accountKeys.some((k) => k.signer && k.pubkey.equals(user.publicKey)), 'the user signed the post');
      await until('the job to settle', async () => (await gw.reconciler.tick(), gw.ledger.liveHolds().length === 0));
      const after = await sdk.creditBalance(ctx);
      assert.equal(after.balance, 20n - BigInt(peer.price), 'the chain charged the user exactly the price');
      assert.equal(after.locked, 0n);
    } finally {
      await gw.stop();
    }
  });

  it('a gateway that dies after holding credits for a posted job: on restart the job is cancelled and the credits return', async () => {
    const wallet = Keypair.generate();
    const flags = { assign: 'matcher', demo_key: 'crash-key-0123456789abcd', demo_credits: 30, assign_timeout_ms: 60_000 };
    const first = await startTestGateway(m, { wallet, matcher: false, usdc: 10n * USDC, flags });
    const client = new OpenAI({ apiKey: 'crash-key-0123456789abcd', baseURL: `${first.url}/v1`, maxRetries: 0 });
    const model = (await client.models.list()).data[0].id;
    const pending = client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Starbuck' }], max_tokens: 8 }).catch((e: unknown) => e);
    // The job is on chain and its credits are held; the worker refuses it until the claim delay.
    await until('the job to be posted', () => first.ledger.liveHolds().some((h) => h.state === 'posted'));
    const hold = first.ledger.liveHolds()[0];
    const account = first.ledger.accountForKey('crash-key-0123456789abcd')!.id;
    assert.equal(first.ledger.account(account)!.balance, 30n - hold.amount);
    // Crash: the process's books stop here (no clean stop, no final reconcile).
    first.crash();
    await pending;

    const second = await startTestGateway(m, { wallet, matcher: false, flags });
    try {
      await until('the hold to be released', async () => (await second.reconciler.tick(), second.ledger.getHold(hold.job)!.state === 'released'));
      assert.equal(second.ledger.account(account)!.balance, 30n, 'every credit came back');
      const onChain = await sdk.creditBalance(second.ctx);
      assert.equal(onChain.locked, 0n);
      assert.equal(onChain.balance, 30n);
      assert.equal(await m.connection.getAccountInfo(new PublicKey(hold.job)), null, 'the job was cancelled on chain');
    } finally {
      await second.stop();
    }
  });

  it('a verified-tier job: answered at once, charged only when the chain finalizes it after the challenge window', async () => {
    const gw = await startTestGateway(m, { usdc: 10n * USDC, flags: { demo_key: 'verified-key-0123456789ab', demo_credits: 50 } });
    try {
      const client = new OpenAI({ apiKey: 'verified-key-0123456789ab', baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const model = (await client.models.list()).data[0].id;
      const res = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Pequod' }], max_tokens: 8, peer_tier: 'verified' } as never);
      const peer = (res as unknown as { peer: { job: string; price: string; tier: string; verified: boolean } }).peer;
      assert.equal(peer.tier, 'verified');
      assert.equal(peer.verified, true);
      await gw.reconciler.tick();
      assert.equal(gw.ledger.getHold(peer.job)!.state, 'answered', 'held while the challenge window is open');
      m.net.bank.warp(61);
      await until('the job to be finalized', async () => (await gw.reconciler.tick(), gw.ledger.getHold(peer.job)!.state === 'settled'));
      assert.equal(gw.ledger.getHold(peer.job)!.charged, BigInt(peer.price));
      assert.equal(gw.ledger.accountForKey('verified-key-0123456789ab')!.balance, 50n - BigInt(peer.price));
    } finally {
      await gw.stop();
    }
  });
});
