/**
 * Re-execution is deterministic: two separate processes (one with 1 thread, one with 2) produce
 * byte-identical outputs for 20 prompts × seeds on the demo model, equal to this process's; the
 * seed matters; the profile id pins every setting; a wrong weights file or engine version is
 * refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeEngines, execute, LlamaEngine } from '../../worker/engine';
import { canonicalProfile, makeProfile, profileIdHex, samplerSeed } from '../../worker/profile';
import { demoModel, demoProfile, REPO, tempDir } from './helpers';

function child(threads: number, casesFile: string): Promise<{ threads: number; out: { text: string; tokens: number[]; outputHash: string }[] }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-r', 'tsx/cjs', 'tests/fixtures/worker/execute-child.ts', String(threads), casesFile], { cwd: REPO, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`child failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

describe('worker: deterministic re-execution', function () {
  this.timeout(900_000);
  const dir = tempDir('peer-determinism');
  after(async () => {
    await closeEngines();
    dir.remove();
  });

  const prompts = ['The ', 'In the year', 'Whale', 'Congress shall', 'It was a dark', 'We the people', 'Call me', 'Our nation', 'The sea', 'Freedom is'];
  const cases = prompts.flatMap((prompt, i) => [
    { prompt, seed: String(1000 + i), maxTokens: 48 },
    { prompt, seed: String(2n ** 63n + BigInt(i * 7919)), maxTokens: 48 },
  ]);

  it('20 prompts × seeds: two separate processes and this one agree byte for byte; 2 threads agree with 1', async () => {
    const profile = demoProfile();
    const casesFile = join(dir.path, 'cases.json');
    writeFileSync(casesFile, JSON.stringify({ profile, modelPath: demoModel().path, cases }));
    // One after the other: two cores are shared, and llama.cpp's threads spin on a busy machine.
    const a = await child(1, casesFile);
    const b = await child(1, casesFile);
    assert.equal(a.out.length, 20);
    const fewFile = join(dir.path, 'few.json');
    writeFileSync(fewFile, JSON.stringify({ profile, modelPath: demoModel().path, cases: cases.slice(0, 4) }));
    const twoThreads = await child(2, fewFile);
    for (let i = 0; i < 4; i++) assert.equal(twoThreads.out[i].text, a.out[i].text, `case ${i}: 2 threads vs 1`);
    const here = [];
    for (const c of cases) here.push(await execute(profile, { v: 1, maxTokens: c.maxTokens, prompt: c.prompt }, BigInt(c.seed), c.maxTokens, { modelPath: demoModel().path }));
    for (let i = 0; i < cases.length; i++) {
      assert.equal(a.out[i].text, b.out[i].text, `case ${i}: process A vs process B`);
      assert.deepEqual(a.out[i].tokens, b.out[i].tokens);
      assert.equal(a.out[i].outputHash, Buffer.from(here[i].outputHash).toString('hex'), `case ${i}: child vs this process`);
      assert.ok(here[i].tokens.length > 0);
    }
    // The seed changes the sampled output (temperature 0.8): not every pair of seeds agrees.
    const differing = prompts.filter((_, i) => a.out[2 * i].text !== a.out[2 * i + 1].text).length;
    assert.ok(differing >= 5, `only ${differing} of 10 prompts changed with the seed`);
  });

  it('the profile id covers every setting; the seed maps to 32 bits as documented', () => {
    const p = demoProfile();
    const ids = new Set([
      profileIdHex(p),
      profileIdHex({ ...p, sampler: { ...p.sampler, minP: 0.05 } }),
      profileIdHex({ ...p, sampler: { ...p.sampler, topK: 41 } }),
      profileIdHex({ ...p, context: { ...p.context, batchSize: 256 } }),
      profileIdHex({ ...p, prompt: { ...p.prompt, addBos: false } }),
      profileIdHex({ ...p, engine: { ...p.engine, version: '3.21.2' } }),
    ]);
    assert.equal(ids.size, 6);
    assert.equal(profileIdHex({ ...p, name: 'renamed' }), profileIdHex(p), 'the name is not part of the id');
    assert.match(canonicalProfile(p), /"kv_cache_type":"F32","flash_attention":false/);
    assert.equal(samplerSeed(2n ** 32n + 5n), 5);
    assert.throws(() => samplerSeed(2n ** 64n), /u64/);
    assert.throws(() => makeProfile({ name: 'x', weightsSha256: 'zz' }), /sha256/);
  });

  it('greedy decoding ignores the seed; max_tokens bounds the output', async () => {
    const greedy = makeProfile({ name: 'greedy', weightsSha256: demoModel().sha256, sampler: { temperature: 0 }, addBos: true });
    const a = await execute(greedy, 'The ', 1n, 30, { modelPath: demoModel().path });
    const b = await execute(greedy, 'The ', 99n, 30, { modelPath: demoModel().path });
    assert.equal(a.text, b.text);
    assert.ok(a.tokens.length <= 30);
  });

  it('refuses weights that are not the profile\'s, an engine version it does not pin, and prompts that do not fit', async () => {
    const copy = join(dir.path, 'other.gguf');
    copyFileSync(demoModel().path, copy);
    writeFileSync(copy, Buffer.from('x'), { flag: 'a' });
    await assert.rejects(LlamaEngine.load(demoProfile(), copy), /has sha256 .* but profile peer-demo pins/);
    await assert.rejects(LlamaEngine.load({ ...demoProfile(), engine: { ...demoProfile().engine, version: '3.20.0' } }, demoModel().path), /needs node-llama-cpp 3.20.0/);
    await assert.rejects(execute(demoProfile(), 'x'.repeat(1000), 1n, 100, { modelPath: demoModel().path }), /exceeds the context/);
  });
});
