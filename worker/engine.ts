/**
 * The in-process inference engine (node-llama-cpp, CPU build) and the pure re-execution
 * function validators import:
 *
 *   execute(profile, requestTokensOrText, seed, maxTokens, { modelPath }) → { text, tokens, outputHash }
 *
 * Same profile, same input, same seed, same max tokens → the same bytes in any process, with
 * any thread count (tests/worker/determinism.test.ts). How that is kept:
 *   - the weights file must hash to the profile's weights_sha256 (checked once per file);
 *   - the engine version must equal the profile's (checked at load);
 *   - context built with the profile's size and batch size, F32 KV cache, flash attention off;
 *   - every generation starts from an empty sequence (no reused KV prefix, whose batching would
 *     change the floating-point sums) and evaluates the whole prompt as tokens;
 *   - one generation at a time per loaded model (a batch shared by two sequences is computed
 *     differently from a batch of one), so concurrent jobs queue;
 *   - every sampler value is passed explicitly; the seed is `samplerSeed(seed)`;
 *   - generation stops at an end-of-generation token or after max_tokens, and the prompt plus
 *     max_tokens must fit the context (no context shift, which would depend on the engine).
 * The output is the detokenized text of the generated tokens; output_hash = sha256(UTF-8 text).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRequest, type InferenceRequest } from '../sdk/src/crypto/request';
import { checkProfile, ENGINE_KIND, ENGINE_VERSION, profileIdHex, samplerSeed, type ExecutionProfile } from './profile';
import { Mutex } from './mutex';
import { renderPrompt } from './template';

type NodeLlama = typeof import('node-llama-cpp');
type Llama = Awaited<ReturnType<NodeLlama['getLlama']>>;
type LlamaModel = Awaited<ReturnType<Llama['loadModel']>>;
type LlamaContext = Awaited<ReturnType<LlamaModel['createContext']>>;
type LlamaSequence = ReturnType<LlamaContext['getSequence']>;

export class EngineError extends Error {
  constructor(
    message: string,
    readonly code: 'weights_mismatch' | 'engine_version' | 'too_long' | 'bad_input' | 'load_failed' | 'aborted' = 'bad_input',
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface ExecuteResult {
  text: string;
  /** The generated tokens (not the prompt). */
  tokens: number[];
  /** sha256 of the UTF-8 text: the job's output_hash. */
  outputHash: Uint8Array;
  promptTokens: number;
  stopReason: 'eog' | 'max_tokens' | 'aborted';
}

export interface GenerateOptions {
  /** Called with each new piece of text as it is generated (never a broken UTF-8 sequence). */
  onText?: (text: string) => void;
  signal?: AbortSignal;
}

let llamaPromise: Promise<{ lib: NodeLlama; llama: Llama }> | null = null;

/** The process's llama.cpp binding (CPU build; never builds or downloads anything). */
async function llamaRuntime(): Promise<{ lib: NodeLlama; llama: Llama }> {
  llamaPromise ??= (async () => {
    const lib = (await import('node-llama-cpp')) as NodeLlama;
    const llama = await lib.getLlama({ gpu: false, build: 'never', logLevel: lib.LlamaLogLevel.error, progressLogs: false });
    return { lib, llama };
  })();
  return llamaPromise;
}

let installedVersion: string | null = null;

/** The installed node-llama-cpp version (its package.json, found from the module search paths). */
export function engineVersion(): string {
  if (installedVersion) return installedVersion;
  for (const dir of module.paths) {
    const path = join(dir, 'node-llama-cpp', 'package.json');
    if (existsSync(path)) {
      installedVersion = (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
      return installedVersion;
    }
  }
  throw new EngineError('node-llama-cpp is not installed', 'engine_version');
}

const hashCache = new Map<string, { size: number; mtimeMs: number; sha256: string }>();

/** sha256 of a file (hex), cached by path, size and modification time. */
export async function fileSha256(path: string): Promise<string> {
  const st = statSync(path);
  const cached = hashCache.get(path);
  if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return cached.sha256;
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve())
      .on('error', reject);
  });
  const sha256 = hash.digest('hex');
  hashCache.set(path, { size: st.size, mtimeMs: st.mtimeMs, sha256 });
  return sha256;
}

/** One loaded model under one execution profile. */
export class LlamaEngine {
  private readonly lock = new Mutex();
  private disposed = false;

  private constructor(
    readonly profile: ExecutionProfile,
    readonly modelPath: string,
    private readonly lib: NodeLlama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequence: LlamaSequence,
    readonly loadMs: number,
  ) {}

  /** Loads `modelPath` for `profile` after checking the weights hash and the engine version. */
  static async load(profile: ExecutionProfile, modelPath: string, opts: { threads?: number } = {}): Promise<LlamaEngine> {
    checkProfile(profile);
    if (profile.engine.kind !== ENGINE_KIND) {
      throw new EngineError(`profile ${profile.name} runs on ${profile.engine.kind} (${profile.engine.build}); this engine is ${ENGINE_KIND}: its output bytes may differ`, 'engine_version');
    }
    const installed = engineVersion();
    if (profile.engine.version !== installed || installed !== ENGINE_VERSION) {
      throw new EngineError(`profile ${profile.name} needs node-llama-cpp ${profile.engine.version}; ${installed} is installed`, 'engine_version');
    }
    const sha = await fileSha256(modelPath);
    if (sha !== profile.weightsSha256) {
      throw new EngineError(`${modelPath} has sha256 ${sha}, but profile ${profile.name} pins ${profile.weightsSha256}`, 'weights_mismatch');
    }
    const started = performance.now();
    const { lib, llama } = await llamaRuntime();
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    } catch (err) {
      throw new EngineError(`cannot load ${modelPath}: ${(err as Error).message}`, 'load_failed');
    }
    const context = await model.createContext({
      contextSize: profile.context.size,
      batchSize: profile.context.batchSize,
      sequences: 1,
      threads: opts.threads ?? 1,
      flashAttention: profile.context.flashAttention,
      experimentalKvCacheKeyType: profile.context.kvCacheType,
      experimentalKvCacheValueType: profile.context.kvCacheType,
    });
    const sequence = context.getSequence();
    return new LlamaEngine(profile, modelPath, lib, model, context, sequence, performance.now() - started);
  }

  get id(): string {
    return profileIdHex(this.profile);
  }

  /** Generations waiting for the model. */
  get queued(): number {
    return this.lock.queued;
  }

  /** The prompt tokens for a request or text, exactly as the profile renders them. */
  promptTokens(input: number[] | string | InferenceRequest | Uint8Array): number[] {
    let tokens: number[];
    if (Array.isArray(input)) {
      if (input.some((t) => !Number.isInteger(t) || t < 0 || t >= this.vocabularySize)) throw new EngineError('a prompt token is outside the vocabulary');
      return input.slice();
    }
    const text = typeof input === 'string' ? input : renderPrompt(input instanceof Uint8Array ? decodeRequest(input) : input, this.profile.prompt.template);
    tokens = this.model.tokenize(text, false) as number[];
    const bos = this.model.tokens.bos;
    if (this.profile.prompt.addBos && bos !== null) tokens = [bos as number, ...tokens];
    return tokens;
  }

  /** Tokens in the vocabulary (from the GGUF metadata; 0 when the file does not list them). */
  get vocabularySize(): number {
    const meta = this.model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } };
    return meta.tokenizer?.ggml?.tokens?.length ?? 0;
  }

  detokenize(tokens: number[]): string {
    return this.model.detokenize(tokens as never);
  }

  /** Runs one generation (queued behind any other on this model). */
  async generate(input: number[] | string | InferenceRequest | Uint8Array, seed: bigint | number, maxTokens: number, opts: GenerateOptions = {}): Promise<ExecuteResult> {
    if (this.disposed) throw new EngineError('the engine was closed');
    if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new EngineError('max_tokens must be a positive integer');
    const prompt = this.promptTokens(input);
    if (prompt.length === 0) throw new EngineError('the prompt is empty');
    if (prompt.length + maxTokens > this.profile.context.size) {
      throw new EngineError(`the prompt (${prompt.length} tokens) plus max_tokens (${maxTokens}) exceeds the context of ${this.profile.context.size}`, 'too_long');
    }
    const s = this.profile.sampler;
    const sampler = { temperature: s.temperature, topK: s.topK, topP: s.topP, minP: s.minP, seed: samplerSeed(seed, s.seedMode) };
    return this.lock.run(async () => {
      if (opts.signal?.aborted) throw new EngineError('aborted before it started', 'aborted');
      await this.sequence.clearHistory();
      const generated: number[] = [];
      let emittedFrom = 0;
      let emittedText = '';
      let stopReason: ExecuteResult['stopReason'] = 'eog';
      const flush = (final: boolean) => {
        if (!opts.onText) return;
        const piece = this.model.detokenize(generated.slice(emittedFrom) as never, false, generated.slice(Math.max(0, emittedFrom - 8), emittedFrom) as never);
        if (!final && piece.endsWith('\uFFFD')) return; // an unfinished UTF-8 sequence: wait for its next byte
        if (piece.length > 0) opts.onText(piece);
        emittedText += piece;
        emittedFrom = generated.length;
      };
      const iterator = this.sequence.evaluate(prompt as never, sampler);
      try {
        for await (const token of iterator) {
          generated.push(token as number);
          flush(false);
          if (generated.length >= maxTokens) {
            stopReason = 'max_tokens';
            break;
          }
          if (opts.signal?.aborted) {
            stopReason = 'aborted';
            break;
          }
        }
      } finally {
        await iterator.return(undefined);
      }
      const text = this.model.detokenize(generated as never);
      // The stream is a preview; send whatever the full decode adds beyond it.
      if (opts.onText && text.startsWith(emittedText) && text.length > emittedText.length) opts.onText(text.slice(emittedText.length));
      if (stopReason === 'aborted') throw new EngineError('the generation was aborted', 'aborted');
      return { text, tokens: generated, outputHash: new Uint8Array(createHash('sha256').update(text, 'utf8').digest()), promptTokens: prompt.length, stopReason };
    });
  }

  async close(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.lock.run(async () => {
      await this.context.dispose();
      await this.model.dispose();
    });
  }
}

const engines = new Map<string, Promise<LlamaEngine>>();

/** A loaded engine for (profile, path), shared within the process. */
export function loadEngine(profile: ExecutionProfile, modelPath: string, opts: { threads?: number } = {}): Promise<LlamaEngine> {
  const key = `${profileIdHex(profile)}:${modelPath}:${opts.threads ?? 1}`;
  let e = engines.get(key);
  if (!e) {
    e = LlamaEngine.load(profile, modelPath, opts);
    e.catch(() => engines.delete(key));
    engines.set(key, e);
  }
  return e;
}

/**
 * The pure re-execution function: the output a profile gives for an input and seed. `input` is
 * prompt tokens, a prompt text (tokenized as the profile says), or a request (object or the
 * exact request bytes from an opening, rendered with the profile's template).
 */
export async function execute(
  profile: ExecutionProfile,
  input: number[] | string | InferenceRequest | Uint8Array,
  seed: bigint | number,
  maxTokens: number,
  opts: { modelPath: string; threads?: number },
): Promise<ExecuteResult> {
  const engine = await loadEngine(profile, opts.modelPath, { threads: opts.threads });
  return engine.generate(input, seed, maxTokens);
}

/** Frees every engine `execute`/`loadEngine` loaded in this process. */
export async function closeEngines(): Promise<void> {
  const all = [...engines.values()];
  engines.clear();
  for (const e of all) await (await e.catch(() => null))?.close();
}

/**
 * The first file among `candidates` (files, or directories searched one level deep for .gguf
 * files) whose sha256 is `weightsSha256`: how a validator finds the weights a profile pins.
 */
export async function findWeights(weightsSha256: string, candidates: string[]): Promise<string | null> {
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const files = statSync(c).isDirectory() ? readdirSync(c).filter((f) => f.endsWith('.gguf')).map((f) => join(c, f)) : [c];
    for (const f of files) if ((await fileSha256(f)) === weightsSha256) return f;
  }
  return null;
}
