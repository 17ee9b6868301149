/**
 * A token is accepted at most once: 50 concurrent redemptions of one token (over the mint's
 * swap and over the gateway's X-Cashu payment), and a kill -9 of the mint process in the middle
 * of 50 concurrent swaps, then a restart on the same database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { REPO_ROOT } from '../../tools/workspace';
import type { RunningMint } from '../../mint/service';
import { obliviousFetch, OhttpKeyPair } from '../../sdk/src/privacy/ohttp';
import { redeem, type Redemption } from '../../mint/redeem';
import { startHttp } from '../../service-kit/http';
import { Metrics } from '../../service-kit/metrics';
import { createOutputs, MintClient, type PendingOutputs } from '../../sdk/src/privacy/wallet';
import { decodeToken, sumProofs, type BlindSignature, type Proof } from '../../sdk/src/privacy/token';
import { createLogger } from '../../service-kit/log';
import { targetApp } from '../fixtures/privacy/target';
import { waitFor } from '../localnet/helpers';
import { buyCredits, mintFlags, startChain, startTestMint, stopChain, type Chain } from './helpers';

interface SwapOutcome {
  status: number;
  body: { signatures?: BlindSignature[]; code?: number; detail?: string };
}

async function swapRaw(url: string, inputs: Proof[], outputs: PendingOutputs['outputs']): Promise<SwapOutcome> {
  const res = await fetch(`${url}/v1/swap`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs, outputs }) });
  return { status: res.status, body: (await res.json()) as SwapOutcome['body'] };
}

describe('privacy: double spending', () => {
  let chain: Chain;
  let mint: RunningMint;
  let client: MintClient;

  before(async () => {
    chain = await startChain();
    mint = await startTestMint(chain);
    client = new MintClient(mint.url);
  });

  after(async () => {
    await mint?.stop();
    await stopChain(chain);
  });

  it('50 concurrent swaps of one token: exactly one succeeds, 49 are refused as spent, no credit created', async () => {
    const proofs = await buyCredits(chain, client, 37);
    const { id } = await client.activeKeys();
    const before = mint.ledger.outstanding();
    const results = await Promise.all(Array.from({ length: 50 }, () => swapRaw(mint.url, proofs, createOutputs(37, id).outputs)));
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1);
    assert.equal(sumProofs(ok[0].body.signatures!), 37);
    const refusedCodes = results.filter((r) => r.status !== 200).map((r) => r.body.code);
    assert.deepEqual(refusedCodes, Array(49).fill(11001));
    assert.equal(mint.ledger.outstanding(), before, 'the swap moved value, it did not create any');
  });

  it('50 concurrent gateway payments with one token (X-Cashu through Oblivious HTTP): exactly one request is served', async () => {
    const proofs = await buyCredits(chain, client, 5);
    const token = client.token(proofs);
    const { pair } = await OhttpKeyPair.generate(1);
    const { app, seen } = targetApp({ ledger: mint.ledger, mintUrl: mint.url, keyPair: pair, log: createLogger({ service: 'target', write: () => {} }), price: 5 });
    const target = await startHttp({ service: 'target', port: 0, app, metrics: new Metrics(), log: createLogger({ service: 'target', write: () => {} }), health: () => ({ ok: true, checks: {} }) });
    try {
      const ask = () =>
        obliviousFetch(`${target.url}/ohttp`, pair.config(), {
          url: 'http://gateway/v1/chat/completions',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-cashu': token },
          body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] }),
        });
      const answers = await Promise.all(Array.from({ length: 50 }, ask));
      assert.equal(answers.filter((a) => a.status === 200).length, 1);
      const refusals = answers.filter((a) => a.status !== 200).map((a) => (JSON.parse(new TextDecoder().decode(a.body)) as { error: { code: string } }).error.code);
      assert.deepEqual(refusals, Array(49).fill('cashu_11001'));
      assert.equal(seen.redemptions.length, 1);
      assert.equal(seen.prompts.length, 1);
    } finally {
      await target.close();
    }
  });

  it('50 concurrent in-process redemptions (the gateway API): one pays, 49 are refused', async () => {
    const proofs = await buyCredits(chain, client, 8);
    const token = client.token(proofs);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, async () => {
        await Promise.resolve();
        try {
          return redeem(mint.ledger, { token, price: 3 }, mint.url);
        } catch (err) {
          return (err as { code: number }).code;
        }
      }),
    );
    const paid = outcomes.filter((o): o is Redemption => typeof o === 'object');
    assert.equal(paid.length, 1);
    assert.match(paid[0].changeToken ?? '', /^cashuB/, 'overpayment came back as a change token');
    assert.equal(outcomes.filter((o) => o === 11001).length, 49);
    // The change is good money exactly once.
    const change = decodeToken(paid[0].changeToken!).proofs;
    assert.equal(sumProofs(change), 5);
    assert.equal(sumProofs((await client.split(change, 5)).send), 5);
  });
});

describe('privacy: a kill -9 of the mint during 50 concurrent redemptions', () => {
  let chain: Chain;
  const children = new Set<ChildProcess>();

  before(async () => {
    chain = await startChain();
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await stopChain(chain);
  });

  async function spawnMint(): Promise<{ proc: ChildProcess; url: string; exited: Promise<unknown> }> {
    const flags = Object.entries(mintFlags(chain)).flatMap(([k, v]) => [`--${k}`, String(v)]);
    const proc = spawn(process.execPath, ['-r', 'tsx/cjs', 'mint/main.ts', ...flags], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PEER_MINT_LOG_FORMAT: 'text' } });
    children.add(proc);
    const exited = new Promise((resolve) => proc.once('exit', () => resolve(undefined)));
    proc.once('exit', () => children.delete(proc));
    let err = '';
    const url = await waitFor<string>(
      'the mint to listen',
      (done) => {
        const on = (d: Buffer) => {
          err += d.toString();
          const m = /mint\.started url=(\S+)/.exec(err);
          if (m) done(m[1]);
        };
        proc.stderr!.on('data', on);
        return () => proc.stderr!.off('data', on);
      },
      60_000,
    );
    return { proc, url, exited };
  }

  it('never accepts the token twice, and a committed swap is answered again after the restart', async () => {
    let child = await spawnMint();
    const client = new MintClient(child.url);
    const proofs = await buyCredits(chain, client, 29);
    const { id } = await client.activeKeys();
    const requests = Array.from({ length: 50 }, () => createOutputs(29, id));
    // Fire all 50, and kill -9 the mint as soon as any answer arrives (or it fails).
    const firstAnswer = Promise.race(requests.map((r) => swapRaw(child.url, proofs, r.outputs).catch(() => null)));
    const settled = Promise.allSettled(requests.map((r) => swapRaw(child.url, proofs, r.outputs)));
    await firstAnswer;
    child.proc.kill('SIGKILL');
    await child.exited;
    const before = (await settled).map((s) => (s.status === 'fulfilled' ? s.value : null));
    const okBefore = before.filter((r) => r?.status === 200);
    assert.ok(okBefore.length <= 1, `${okBefore.length} swaps of one token succeeded before the kill`);

    child = await spawnMint();
    const states = await new MintClient(child.url).checkState(proofs);
    assert.ok(states.every((s) => s.state === states[0].state), 'all inputs of one swap share one fate');
    // Replay all 50 requests after the restart: exactly one is (or becomes) the accepted one.
    const after: SwapOutcome[] = [];
    for (const r of requests) after.push(await swapRaw(child.url, proofs, r.outputs));
    const okAfter = after.map((r, i) => ({ r, i })).filter(({ r }) => r.status === 200);
    assert.equal(okAfter.length, 1, 'exactly one request holds the token after the restart');
    assert.ok(after.filter((r) => r.status !== 200).every((r) => r.body.code === 11001));
    if (okBefore.length === 1) assert.deepEqual(okAfter[0].r.body.signatures, okBefore[0]!.body.signatures, 'the answer given before the kill is the one kept');
    child.proc.kill('SIGTERM');
    await child.exited;
  });
});
