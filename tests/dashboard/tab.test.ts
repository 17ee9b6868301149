/**
 * A browser tab as a worker, in Debian's Chromium: the "Serve from this tab" page loads the demo
 * model into llama.cpp in WebAssembly, keeps its own worker key, is funded by the local-network
 * faucet, registers and bonds on chain, and serves a real open-tier job posted through the
 * OpenAI-compatible gateway (pinned to the tab, answered, verified, finalized, paid). Closing the
 * tab mid-job lets the job expire and requeue, and the client loses nothing.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { startDashboard, type DashboardService } from '../../dashboard';
import * as sdk from '../../sdk/src';
import { launchChromium } from '../../tools/browser';
import { startMarket, startTestGateway, USDC, type Market } from '../gateway/helpers';
import { eventually } from '../harness/eventually';

type Gw = Awaited<ReturnType<typeof startTestGateway>>;
interface TabStats {
  state: string;
  jobs: number;
  failed: number;
  tokens: number;
  earnings: string;
  jobsCompleted: string;
  registered: boolean;
}
const ARTIFACTS = join(__dirname, '..', '..', '.artifacts', 'dashboard');

const until = (what: string, check: () => Promise<boolean> | boolean, ms = 90_000) => eventually(what, check, ms);

describe('dashboard: serve from a browser tab (llama.cpp in WebAssembly)', function () {
  this.timeout(600_000);
  let m: Market;
  let gw: Gw;
  let dash: DashboardService;
  let browser: Browser;
  let page: Page;
  let client: OpenAI;
  let tabKey: PublicKey;
  const key = 'tab-demo-key-0123456789';
  const pageLog: string[] = [];

  const stats = async (p: Page = page): Promise<TabStats> => p.evaluate(() => (globalThis as unknown as { peerTab: TabStats }).peerTab);
  const openTab = async (): Promise<Page> => {
    const p = await browser.newPage();
    p.on('console', (msg) => pageLog.push(`${msg.type()}: ${msg.text()}`));
    p.on('pageerror', (err) => pageLog.push(`pageerror: ${err.message}`));
    await p.goto(`${dash.url}/tab`);
    await p.waitForFunction(() => (globalThis as unknown as { peerTab?: { state: string } }).peerTab?.state !== undefined);
    return p;
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    m = await startMarket();
    const faucet = join(m.dir, 'faucet.json');
    writeFileSync(faucet, JSON.stringify([...m.admin.secretKey])); // the local $PEER mint authority
    await m.fundSol(m.admin.publicKey);
    dash = await startDashboard({ url: m.net.rpcUrl, wsUrl: m.net.wsUrl, port: 0, store: join(m.dir, 'dash.sqlite'), env: { PEER_DASHBOARD_TAB_FAUCET_KEYPAIR: faucet }, write: () => undefined });
    gw = await startTestGateway(m, { usdc: 100n * USDC, flags: { demo_key: key, demo_credits: 100, retries: 0 } });
    client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    browser = await launchChromium();
  });
  after(async function () {
    if (this.currentTest?.state === 'failed' || pageLog.some((l) => l.startsWith('pageerror'))) process.stderr.write(`tab page log:\n${pageLog.slice(-40).join('\n')}\n`);
    await browser?.close();
    await gw?.stop();
    await dash?.stop();
    await m?.close();
  });

  it('the page loads the model in wasm, keeps its own key, registers with faucet funds and advertises the wasm profile', async () => {
    page = await openTab();
    await until('the model to load', async () => ['not registered', 'serving'].includes((await stats()).state));
    tabKey = new PublicKey((await page.locator('#tab-key').textContent())!.trim());
    // The key is the tab's own, kept in its storage across reloads.
    await page.reload();
    await until('the reloaded tab', async () => (await stats().catch(() => ({ state: '' }) as TabStats)).state === 'not registered');
    assert.equal((await page.locator('#tab-key').textContent())!.trim(), tabKey.toBase58(), 'the same key after a reload');
    // Export gives a keypair file of this key; a file that is not one is refused, and nothing changes.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#tab-export')]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as number[];
    assert.equal(Keypair.fromSecretKey(Uint8Array.from(exported)).publicKey.toBase58(), tabKey.toBase58());
    await page.setInputFiles('#tab-import', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([...exported.slice(0, 32), ...Keypair.generate().publicKey.toBytes()])) });
    await until('the import to be refused', async () => /import refused: .*public half does not match/.test((await page.locator('#tab-log').textContent()) ?? ''));
    assert.equal((await page.locator('#tab-key').textContent())!.trim(), tabKey.toBase58());
    await page.click('#tab-faucet');
    await until('the faucet funds', async () => (await m.connection.getBalance(tabKey)) > 0);
    await page.click('#tab-register');
    await until('the registration', async () => (await stats()).state === 'serving');
    assert.equal(await page.locator('#tab-faucet').isVisible(), false, 'no faucet button once registered');
    const worker = sdk.findWorkerPda(tabKey)[0];
    const acc = await sdk.workerAccount.fetch(sdk.createContext({ connection: m.connection, wallet: Keypair.generate() }).transport, worker);
    assert.equal(Buffer.from(acc.data.settings.endpoint.subarray(0, acc.data.settings.endpointLen)).toString(), `${dash.url}/tab/w/${tabKey.toBase58()}`);
    assert.deepEqual(sdk.describeSettings(acc.data.settings).tiers, ['open']);
    // What the tab advertises (through the bridge): the wasm engine, not the native one.
    const models = (await (await fetch(`${dash.url}/tab/w/${tabKey.toBase58()}/v1/models`)).json()) as { data: { id: string; name: string; backend: string; profile: { engine: { kind: string; build: string } } }[] };
    assert.equal(models.data[0].backend, 'wasm');
    assert.deepEqual(models.data[0].profile.engine, { kind: 'wllama', version: '3.13.0', build: 'wasm' });
    assert.equal(sdk.toHex(acc.data.settings.models[0]), models.data[0].id, 'registered under the wasm profile id');
    const health = await fetch(`${dash.url}/tab/w/${tabKey.toBase58()}/health`);
    assert.equal(health.status, 200);
  });

  it('serves an open-tier job posted through the gateway: streamed, verified, finalized and paid', async () => {
    await gw.directory.snapshot(true);
    const before = gw.ledger.accountForKey(key)!.balance;
    const res = await client.chat.completions.create({ model: 'peer-demo-tab', messages: [{ role: 'user', content: 'The whale' }], max_tokens: 24, seed: 3 });
    const text = res.choices[0].message.content ?? '';
    const peer = (res as unknown as { peer: { worker: string; job: string; verified: boolean; output_hash: string; price: string } }).peer;
    assert.ok(text.length > 0, 'an answer');
    assert.equal(peer.worker, sdk.findWorkerPda(tabKey)[0].toBase58(), 'served by the tab');
    assert.equal(peer.verified, true);
    assert.equal(peer.output_hash, sdk.toHex(sdk.sha256(text)));
    assert.ok(res.usage && res.usage.completion_tokens > 0);
    // Open tier: finalized at once; the tab's worker earns, and the page shows it.
    await until('the hold to settle', async () => (await gw.reconciler.tick(), gw.ledger.getHold(peer.job)?.state === 'settled'));
    assert.equal(gw.ledger.accountForKey(key)!.balance, before - BigInt(peer.price));
    await until('the page to show the earnings', async () => BigInt((await stats()).earnings) > 0n && (await stats()).jobsCompleted === '1');
    assert.equal((await stats()).jobs, 1);
    await page.screenshot({ path: join(ARTIFACTS, 'tab.png'), fullPage: true });
  });

  it('closing the tab mid-job: the job expires and is requeued, and the client loses nothing', async () => {
    await gw.directory.snapshot(true);
    const before = gw.ledger.accountForKey(key)!.balance;
    const stream = await client.chat.completions.create({ model: 'peer-demo-tab', messages: [{ role: 'user', content: 'Call me Ishmael. Some years ago' }], max_tokens: 400, stream: true });
    let failed = false;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) await page.close(); // the tab goes away mid-answer
      }
    } catch {
      failed = true;
    }
    assert.ok(failed || page.isClosed(), 'the stream broke off');
    const job = gw.ledger.liveHolds().pop()?.job;
    assert.ok(job, 'the job waits for the chain');
    assert.equal(gw.ledger.getHold(job)!.worker, sdk.findWorkerPda(tabKey)[0].toBase58());
    // Offline now: the bridge answers for the closed tab, so the gateway does not wait on it.
    const offline = await fetch(`${dash.url}/tab/w/${tabKey.toBase58()}/v1/models`);
    assert.equal(offline.status, 503);
    assert.equal(((await offline.json()) as { error: { code: string } }).error.code, 'worker_offline');
    // Past the deadline: expired (requeued with the tab excluded), then cancelled; the credits return.
    m.net.bank.warp(120);
    await until('the job to be released', async () => (await gw.reconciler.tick(), gw.ledger.getHold(job)?.state === 'released'));
    assert.equal(gw.ledger.accountForKey(key)!.balance, before, 'the client paid nothing for the abandoned job');
    const sigs = await m.connection.getSignaturesForAddress(new PublicKey(job), { limit: 50 });
    let requeued: boolean | null = null;
    for (const s of sigs) {
      const tx = await m.connection.getTransaction(s.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
      for (const e of sdk.parseMarketEvents(tx?.meta?.logMessages ?? [])) if (e.name === 'jobExpired') requeued = Boolean((e.data as { requeued?: boolean }).requeued);
    }
    assert.equal(requeued, true, 'JobExpired with requeued = true');
    const onChain = await sdk.creditBalance(gw.ctx);
    const l = gw.ledger.liabilities();
    assert.equal(onChain.balance + onChain.locked, l.balances + l.held + gw.ledger.refundsInFlight() + BigInt(gw.ledger.meta('baseline_credits') ?? '0'), 'ledger and chain agree');
  });
});
