/**
 * The privacy services as an operator meets them: `peer mint` as a child process (health,
 * metrics, SIGTERM, a bad flag), the relay and proxy services' health and metrics, and a melt
 * whose mint dies after recording the transfer and before sending it: the restarted mint sends
 * it, once.
 */
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { Keypair, type PublicKey } from '@solana/web3.js';
import { join } from 'node:path';
import { loadMintConfig, startMint } from '../../mint/service';
import { SolanaUsdcRail, type UsdcRail } from '../../mint/usdc';
import { createLogger } from '../../service-kit/log';
import { loadProxyConfig, loadRelayConfig, startProxy, startRelay } from '../../relay/service';
import { ProxyWallet } from '../../relay/wallet';
import { createOutputs, MintClient, MintHttpError } from '../../sdk/src/privacy/wallet';
import { REPO_ROOT } from '../../tools/workspace';
import { waitFor } from '../localnet/helpers';
import { buyCredits, mintFlags, startChain, startTestMint, stopChain, usdcBalance, type Chain } from './helpers';

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['-r', 'tsx/cjs', 'cli/main.ts', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    p.once('close', (code) => resolve({ code, stderr }));
  });
}

/** Sends and records, like the real rail, but the process "dies" before the transfer leaves. */
class DyingRail implements UsdcRail {
  constructor(private readonly real: SolanaUsdcRail) {}
  get usdcMint() {
    return this.real.usdcMint;
  }
  get owner() {
    return this.real.owner;
  }
  get account() {
    return this.real.account;
  }
  findPayment(reference: PublicKey, min: bigint) {
    return this.real.findPayment(reference, min);
  }
  prepareTransfer(to: PublicKey, amount: bigint) {
    return this.real.prepareTransfer(to, amount);
  }
  async submit(): Promise<void> {
    throw new Error('simulated crash before sending');
  }
  async status(): Promise<never> {
    throw new Error('simulated crash');
  }
  blockHeight() {
    return this.real.blockHeight();
  }
}

describe('privacy: the services as an operator runs them', () => {
  let chain: Chain;

  before(async () => {
    chain = await startChain();
  });

  after(async () => {
    await stopChain(chain);
  });

  it('peer mint: a bad flag is one line and exit 2', async () => {
    const bad = await runCli(['mint', '--port', 'abc', '--usdc-mint', chain.usdcMint.toBase58()]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), 'error: port (flag) must be a whole number, got "abc"');
    const missing = await runCli(['relay']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr.trim(), /^error: relay: target_url is required/);
  });

  it('peer mint as a process: /health, /metrics, SIGTERM exits 0', async () => {
    const flags = Object.entries(mintFlags(chain, { data_dir: join(chain.dir.path, 'cli-mint') })).flatMap(([k, v]) => (k === 'rpc_url' || k === 'keypair' ? [] : [`--${k.replace(/_/g, '-')}`, String(v)]));
    const proc = spawn(process.execPath, ['-r', 'tsx/cjs', 'cli/main.ts', '-u', chain.net.rpcUrl, '-k', chain.mintWalletFile, 'mint', ...flags], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    // 'close', not 'exit': the last stderr lines may arrive after the exit event.
    const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
    const url = await waitFor<string>(
      'the mint to start',
      (done) => {
        const on = () => {
          const m = /mint\.started url=(\S+)/.exec(err);
          if (m) done(m[1]);
        };
        proc.stderr!.on('data', on);
        return () => proc.stderr!.off('data', on);
      },
      60_000,
    );
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string; keyset: string };
    assert.equal(health.status, 'ok');
    assert.match(health.keyset, /^00/);
    await new MintClient(url).activeKeys();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /peer_mint_operations_total\{kind="keys",outcome="ok"\} 1/);
    assert.match(metrics, /peer_mint_outstanding_credits 0/);
    proc.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(err, /mint\.stopped/);
  });

  it('relay and proxy services answer /health and /metrics', async () => {
    const relay = await startRelay(loadRelayConfig({ flags: { port: '0', target_url: 'http://127.0.0.1:9/ohttp' }, env: {} }), { log: { info() {}, warn() {}, error() {}, child() { return this; } } });
    const proxy = await startProxy(loadProxyConfig({ flags: { port: '0', relay_url: relay.url }, env: {} }), { log: { info() {}, warn() {}, error() {}, child() { return this; } } });
    try {
      assert.equal((await fetch(`${relay.url}/health`)).status, 200);
      assert.match(await (await fetch(`${relay.url}/metrics`)).text(), /peer_relay_requests_total/);
      assert.equal((await fetch(`${proxy.url}/health`)).status, 200);
      // The gateway is unreachable: the relay says so, the proxy turns it into a clear 502.
      const res = await fetch(`${proxy.url}/v1/models`);
      assert.equal(res.status, 502);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, /relay request failed/);
    } finally {
      await proxy.stop();
      await relay.stop();
    }
  });

  it('the proxy wallet loses nothing when it dies after the mint signed and before it stored the proofs', async () => {
    const mint = await startTestMint(chain, [], { data_dir: join(chain.dir.path, 'wallet-mint') });
    try {
      const client = new MintClient(mint.url);
      const token = client.token(await buyCredits(chain, client, 11));
      /** The mint answers; the wallet process "dies" before reading the answer. */
      class DiesAfterSwap extends MintClient {
        override async swap(...args: Parameters<MintClient['swap']>): ReturnType<MintClient['swap']> {
          await super.swap(...args);
          throw new Error('simulated crash after the swap');
        }
      }
      const path = join(chain.dir.path, 'crash-wallet.sqlite');
      const dying = new ProxyWallet(path, new DiesAfterSwap(mint.url));
      await assert.rejects(dying.receive(token), /simulated crash/);
      assert.deepEqual(dying.balance(), { ready: 0, reserved: 0 });
      dying.close();
      const restarted = new ProxyWallet(path, client);
      const r = await restarted.reconcile();
      assert.equal(r.recovered, 11);
      assert.deepEqual(restarted.balance(), { ready: 11, reserved: 0 });
      // The recovered proofs are good money.
      const res = await restarted.reserve(11);
      assert.ok(res);
      assert.equal((await client.split(res.proofs, 11)).send.reduce((n, p) => n + p.amount, 0), 11);
      restarted.close();
    } finally {
      await mint.stop();
    }
  });

  it('a melt recorded but never sent (the mint died) is sent by the restarted mint, exactly once', async () => {
    const lines: string[] = [];
    const real = new SolanaUsdcRail(chain.conn, Keypair.fromSecretKey(chain.mintWallet.secretKey), chain.usdcMint);
    const extra = { data_dir: join(chain.dir.path, 'melt-mint') };
    let mint = await startMint(loadMintConfig({ flags: mintFlags(chain, extra), env: {} }), { rail: new DyingRail(real), log: createLogger({ service: 'mint', write: (l) => lines.push(l) }) });
    let client = new MintClient(mint.url);
    const proofs = await buyCredits(chain, client, 6);
    const dest = Keypair.generate().publicKey;
    const q = await client.createMeltQuote(`solana:${dest.toBase58()}?amount=0.06`);
    await assert.rejects(client.melt(q.quote, proofs), (e: unknown) => e instanceof MintHttpError && e.status === 500);
    assert.deepEqual((await client.checkState(proofs)).map((s) => s.state), proofs.map(() => 'PENDING'));
    await assert.rejects(client.swap(proofs, createOutputs(6, (await client.activeKeys()).id).outputs), (e: unknown) => e instanceof MintHttpError && e.code === 11010);
    assert.equal(await usdcBalance(chain, dest), 0n);
    await mint.stop();

    mint = await startTestMint(chain, lines, extra);
    client = new MintClient(mint.url);
    assert.equal((await client.createMeltQuote(`solana:${dest.toBase58()}?amount=0.01`)).state, 'UNPAID');
    const after = (await fetch(`${mint.url}/v1/melt/quote/solana-usdc/${q.quote}`).then((r) => r.json())) as { state: string };
    assert.equal(after.state, 'PAID');
    assert.equal(await usdcBalance(chain, dest), 60_000n);
    assert.deepEqual((await client.checkState(proofs)).map((s) => s.state), proofs.map(() => 'SPENT'));
    assert.ok(lines.some((l) => l.includes('melt.recovered pending=1')));
    await mint.stop();
    // A third start finds nothing pending and pays nothing again.
    mint = await startTestMint(chain, lines, extra);
    assert.equal(await usdcBalance(chain, dest), 60_000n);
    await mint.stop();
  });
});
