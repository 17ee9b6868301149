/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a fresh
 * local network running the scripted session: the live page follows jobs without a reload, and
 * every page shows values read back from the chain through the SDK. A worker endpoint with
 * markup in it shows as text. Screenshots of each page go to .artifacts/dashboard/.
 */
import { Connection, Keypair, LAMPORTS_PER_SOL } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startDashboard, type DashboardService } from '../../dashboard';
import { startLocalnet, type Localnet } from '../../localnet';
import { deployAll } from '../../migrations/deploy';
import { runSession } from '../../migrations/session';
import * as sdk from '../../sdk/src';
import { launchChromium } from '../../tools/browser';

const ARTIFACTS = join(__dirname, '..', '..', '.artifacts', 'dashboard');
const HOSTILE_ENDPOINT = 'http://evil.example/<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

describe('network dashboard in Chromium', function () {
  this.timeout(600_000);
  let net: Localnet;
  let dash: DashboardService;
  let browser: Browser;
  let page: Page;
  let connection: Connection;
  let sessionError: string | null = null;

  const shot = async (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const visit = async (path: string) => {
    const before = await page.evaluate(() => (globalThis as unknown as { __peerRenders?: number }).__peerRenders ?? 0).catch(() => 0);
    await page.goto(dash.url + path);
    await page.waitForFunction((n) => ((globalThis as unknown as { __peerRenders?: number }).__peerRenders ?? 0) > 0 && n >= 0, before, { timeout: 30_000 });
  };
  const text = async (selector: string) => ((await page.locator(selector).first().textContent({ timeout: 30_000 })) ?? '').trim();

  /** Every ChallengeResolved on chain, decoded by the SDK from the transactions' logs. */
  const resolvedChallenges = async () => {
    const out: { slashed: bigint; burned: bigint; challengerReward: bigint }[] = [];
    for (const s of await connection.getSignaturesForAddress(sdk.PEER_MARKET_PROGRAM_ID, { limit: 1000 })) {
      const tx = await connection.getTransaction(s.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
      for (const e of sdk.parseMarketEvents(tx?.meta?.logMessages ?? [])) {
        if (e.name.toLowerCase() === 'challengeresolved') out.push(e.data as unknown as { slashed: bigint; burned: bigint; challengerReward: bigint });
      }
    }
    return out;
  };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    net = await startLocalnet({ rpcPort: 0, slotMs: 50 });
    connection = new Connection(net.rpcUrl, 'confirmed');
    dash = await startDashboard({ url: net.rpcUrl, wsUrl: net.wsUrl, port: 0, store: join(mkdtempSync(join(tmpdir(), 'peer-dash-')), 'index.sqlite'), models: ['llama-3.1-8b-instruct'], env: {}, write: () => undefined });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void d.dismiss());
  });
  after(async () => {
    await browser?.close();
    await dash?.stop();
    await net?.close();
  });

  it('follows the session live: jobs move to finalized and slashed without a reload', async () => {
    const admin = Keypair.generate();
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: mkdtempSync(join(tmpdir(), 'peer-dash-w-')) });
    await visit('/live');
    await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await runSession({ url: net.rpcUrl, admin, usdcMint: deployed.bootstrap!.usdcMint, peerMint: deployed.bootstrap!.peerMint, warp: async (s) => net.bank.warp(s) }).catch((err: Error) => {
      // The session's last step (the staker's claim) may find nothing to claim; everything the page shows happened before it.
      sessionError = err.message;
    });
    await page.locator('[data-state="finalized"]').first().waitFor({ timeout: 60_000 });
    await page.locator('[data-state="slashed"]').first().waitFor({ timeout: 60_000 });
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'the page was not reloaded');
    assert.equal(await page.locator('[data-state="finalized"]').count(), 2);
    const slashed = page.locator('[data-state="slashed"]').first();
    assert.match((await slashed.textContent()) ?? '', /ChallengeResolved/);
    assert.match((await slashed.textContent()) ?? '', /\d[\d,]* CU/);
    await shot('live');
    if (sessionError) process.stderr.write(`  (session ended early: ${sessionError})\n`);
  });

  it('network page: fees, stake, bonds, burn and jobs match the chain', async () => {
    await dash.sync();
    const ctx = sdk.createContext({ connection });
    const fees = await sdk.fetchFeeLedger(ctx.transport, sdk.findFeeLedgerPda()[0]);
    const pool = await sdk.fetchPool(ctx.transport, sdk.findStakingPoolPda()[0]);
    const workers = await sdk.queryWorkers(ctx.transport);
    const validators = await sdk.queryValidators(ctx.transport);
    await visit('/');
    assert.equal(await text('[data-value="fees-stakers"]'), `${sdk.formatAmount(fees.data.totalStakerFees, 6)} USDC`);
    assert.equal(await text('[data-value="fees-treasury"]'), `${sdk.formatAmount(fees.data.totalTreasuryFees, 6)} USDC`);
    assert.equal(await text('[data-value="jobs-finalized"]'), fees.data.jobsFinalized.toString());
    assert.equal(await text('[data-value="peer-staked"]'), sdk.formatAmount(pool.data.totalStaked, 9));
    assert.equal(await text('[data-value="peer-bonded"]'), sdk.formatAmount(workers.reduce((a, w) => a + w.data.bond, 0n), 9));
    const resolved = await resolvedChallenges();
    assert.equal(resolved.length, 1);
    assert.ok(resolved[0].burned > 0n);
    assert.equal(await text('[data-value="peer-burned"]'), sdk.formatAmount(resolved[0].burned, 9));
    assert.ok(validators.length === 4);
    assert.equal(await text('[data-table="jobs-by-state"] [data-state-row="finalized"] [data-tier="verified"]'), '1');
    assert.equal(await text('[data-table="jobs-by-state"] [data-state-row="slashed"] [data-tier="verified"]'), '1');
    assert.equal(await page.locator('.u-wrap canvas, .uplot canvas').count() >= 2, true, 'both uPlot charts drew');
    await shot('network');
  });

  it('workers page: ranking with bonds from chain; a hostile endpoint shows as text', async () => {
    const evil = Keypair.generate();
    await connection.confirmTransaction(await connection.requestAirdrop(evil.publicKey, 2 * LAMPORTS_PER_SOL), 'confirmed');
    const ctx = sdk.createContext({ connection, wallet: evil });
    const reg = await sdk.registerWorker(ctx, { tiers: ['open'], models: ['llama-3.1-8b-instruct'], prices: { open: 3n }, capacity: 2, endpoint: HOSTILE_ENDPOINT });
    await dash.sync();
    await visit('/workers');
    const row = page.locator(`[data-worker="${reg.worker.toBase58()}"]`);
    assert.equal(((await row.locator('[data-endpoint]').textContent()) ?? '').trim(), HOSTILE_ENDPOINT);
    assert.equal(await page.locator('main script, main img').count(), 0, 'no markup from chain data became elements');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned ?? 0), 0);
    const workers = await sdk.queryWorkers(sdk.createContext({ connection }).transport);
    for (const w of workers) {
      assert.equal(((await page.locator(`[data-worker="${w.address.toBase58()}"] [data-bond]`).textContent()) ?? '').trim(), sdk.formatAmount(w.data.bond, 9));
    }
    await shot('workers');
    const honest = workers.find((w) => w.data.bond > 0n)!;
    await visit(`/workers/${honest.address.toBase58()}`);
    assert.equal(await text('[data-value="earned"]'), '0.049 USDC');
    assert.match(await text('[data-incident="slashed"]'), /slashed/);
    assert.match(await text('[data-position="verified"]'), /^1 of 1$/);
    await shot('worker');
  });

  it('staking page: totals and one staker\'s position from chain', async () => {
    const t = sdk.createContext({ connection }).transport;
    const pool = await sdk.fetchPool(t, sdk.findStakingPoolPda()[0]);
    const [staker] = await sdk.queryStakers(t);
    await visit(`/staking?owner=${staker.data.owner.toBase58()}`);
    assert.equal(await text('[data-value="total-staked"]'), `${sdk.formatAmount(pool.data.totalStaked, 9)} $PEER`);
    assert.equal(await text('[data-value="rewards"]'), `${sdk.formatAmount(pool.data.totalRewardsDistributed, 6)} USDC`);
    assert.equal(await text('[data-value="position-active"]'), `${sdk.formatAmount(staker.data.active, 9)} $PEER`);
    assert.match(await text('[data-value="apr"]'), /^\d+\.\d\d%$/);
    await shot('staking');
    await visit('/staking?owner=not-an-address');
    assert.match(await text('main .error'), /not a base58 address/);
  });

  it('disputes page: the challenge with its votes and outcome', async () => {
    await visit('/disputes');
    const card = page.locator('[data-challenge]').first();
    assert.match((await card.getAttribute('data-outcome')) ?? '', /challenger/i);
    assert.match((await card.textContent()) ?? '', /revealed 3/);
    const [r] = await resolvedChallenges();
    assert.ok((await card.textContent())!.includes(`slashed ${sdk.formatAmount(r.slashed, 9)} $PEER, burned ${sdk.formatAmount(r.burned, 9)}, challenger reward ${sdk.formatAmount(r.challengerReward, 9)}`));
    assert.equal(await page.locator('[data-validator]').count(), 4);
    await shot('disputes');
    await page.setViewportSize({ width: 390, height: 844 });
    await visit('/live');
    await shot('live-phone');
    // At phone width nothing scrolls sideways but the tables inside their own scroll boxes.
    for (const path of ['/', '/live', '/workers', '/staking', '/disputes']) {
      await visit(path);
      // (In the page: the DOM, typed loosely here; this file compiles without the DOM library.)
      const { wide, culprits } = await page.evaluate(() => {
        type Node = { tagName: string; className: string; closest(s: string): unknown; getBoundingClientRect(): { right: number } };
        const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number }; querySelectorAll(s: string): ArrayLike<Node> } };
        return {
          wide: g.document.documentElement.scrollWidth,
          culprits: Array.from(g.document.querySelectorAll('main *'))
            .filter((el) => el.getBoundingClientRect().right > g.innerWidth + 1 && !el.closest('.table-wrap'))
            .slice(0, 4)
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
        };
      });
      assert.ok(wide <= 390, `${path} is ${wide} px wide at a 390 px viewport (${culprits.join(', ')})`);
    }
  });
});
