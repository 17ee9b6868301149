/**
 * Checks the exported demo model in the real engine (node-llama-cpp 3.21.1, CPU):
 *  1. the file's sha256 matches worker/models/peer-demo.gguf.sha256;
 *  2. llama.cpp's tokenizer gives the same ids as tools/model/charvocab.py for each prompt;
 *  3. greedy output (temperature 0) from llama.cpp equals PyTorch's greedy output token for token;
 *  4. a seeded sample and the generation speed (tokens/s) for the model card.
 * Settings are the deterministic profile: f32 weights, f32 KV cache, flash attention off.
 *
 *   npx tsx tools/model/check.ts [--model worker/models/peer-demo.gguf] [--checkpoint .cache/model-train/final.pt]
 * Exit code 0 only if every comparison matches.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Token } from 'node-llama-cpp';

const repoRoot = path.resolve(__dirname, '../..');
const PROMPTS = ['The ', 'Call me Ishmael. ', 'Fellow-Citizens of the Senate and House of Representatives: '];
const GREEDY_TOKENS = 96;
const SPEED_TOKENS = 160;
const CONTEXT_SIZE = 256;
const THREADS = 2;
const SAMPLER = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0, seed: 42, repeatPenalty: false } as const;

interface TorchResult { prompt: string; prompt_tokens: number[]; tokens: number[]; text: string }

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (!v || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

async function main(): Promise<number> {
  const modelPath = path.resolve(argValue('--model', path.join(repoRoot, 'worker/models/peer-demo.gguf')));
  const defaultCkpt = path.join(repoRoot, '.cache/model-train/final.pt');
  const checkpoint = path.resolve(argValue('--checkpoint', existsSync(defaultCkpt) ? defaultCkpt : path.join(repoRoot, '.cache/model-train/latest.pt')));
  for (const f of [modelPath, checkpoint]) if (!existsSync(f)) throw new Error(`${f} not found`);

  let ok = true;
  const digest = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
  const shaFile = `${modelPath}.sha256`;
  const recorded = existsSync(shaFile) ? readFileSync(shaFile, 'utf8').split(/\s+/)[0] : '';
  console.log(`model ${path.relative(repoRoot, modelPath)} sha256 ${digest} ${recorded === digest ? '(matches .sha256)' : '(MISMATCH with .sha256)'}`);
  ok &&= recorded === digest;

  const reference = JSON.parse(execFileSync('/usr/bin/python3', [path.join(repoRoot, 'tools/model/generate.py'), checkpoint, '--tokens', String(GREEDY_TOKENS), ...PROMPTS], { encoding: 'utf8', maxBuffer: 1 << 24 })) as { step: number; results: TorchResult[] };
  console.log(`PyTorch reference: ${path.relative(repoRoot, checkpoint)} (step ${reference.step})`);

  // node-llama-cpp is ESM-only and this project compiles to CommonJS: load it dynamically
  const { getLlama, LlamaCompletion, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({
    contextSize: CONTEXT_SIZE, threads: THREADS, flashAttention: false,
    experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32',
  });
  const bos = model.tokens.bos;
  if (bos === null) throw new Error('the model has no BOS token');

  for (const ref of reference.results) {
    // Tokenize explicitly: a string prompt would lose a leading-space token and the BOS handling is ours.
    const promptTokens = [bos, ...model.tokenize(ref.prompt, false)] as Token[];
    const sameTokens = JSON.stringify(promptTokens) === JSON.stringify(ref.prompt_tokens);
    const sequence = context.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const generated: number[] = [];
    await completion.generateCompletionWithMeta(promptTokens, {
      maxTokens: GREEDY_TOKENS, temperature: 0, repeatPenalty: false, onToken: (t) => generated.push(...t),
    });
    sequence.dispose();
    const sameGreedy = JSON.stringify(generated) === JSON.stringify(ref.tokens);
    ok &&= sameTokens && sameGreedy;
    console.log(`prompt ${JSON.stringify(ref.prompt)}: tokenizer ${sameTokens ? 'matches' : 'DIFFERS'}, greedy ${generated.length} tokens ${sameGreedy ? 'match PyTorch' : 'DIFFER from PyTorch'}`);
    console.log(`  llama.cpp: ${JSON.stringify(model.detokenize(generated as Token[]))}`);
    if (!sameGreedy) console.log(`  pytorch:   ${JSON.stringify(ref.text)}`);
  }

  // Seeded sampling, timed from the first to the last generated token (prompt evaluation excluded).
  const sequence = context.getSequence();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  const prompt = [bos, ...model.tokenize(PROMPTS[0]!, false)] as Token[];
  let first = 0n;
  let count = 0;
  const meta = await completion.generateCompletionWithMeta(prompt, {
    maxTokens: SPEED_TOKENS, ...SAMPLER,
    onToken: (t) => { if (count === 0) first = process.hrtime.bigint(); count += t.length; },
  });
  const seconds = Number(process.hrtime.bigint() - first) / 1e9;
  const tokensPerSecond = (count - 1) / seconds;
  console.log(`sample (${JSON.stringify(SAMPLER)}): ${JSON.stringify(PROMPTS[0] + meta.response)}`);
  console.log(`speed: ${count} tokens, ${tokensPerSecond.toFixed(0)} tokens/s (context ${CONTEXT_SIZE}, ${THREADS} threads, f32 KV, flash attention off)`);
  sequence.dispose();
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  console.log(ok ? 'OK: llama.cpp matches PyTorch' : 'FAILED');
  return ok ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
