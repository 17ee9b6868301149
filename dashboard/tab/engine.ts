/**
 * The tab's inference backend: llama.cpp in WebAssembly (wllama 3.13.0) behind the worker's
 * Backend interface, so the tab runs the worker's own job runner and endpoint code.
 *
 * The profile it advertises is the wasm engine's, not the native one's: its id differs from a
 * native worker's for the same weights (docs: README, "Serve from a browser tab"). Everything
 * that decides the bytes is set explicitly, as on the native engine: f32 KV cache, flash
 * attention off, the context and batch sizes, every sampler value, the seed (low 32 bits).
 * wllama 3.13.0 throws on output that is not valid UTF-8 (lone byte tokens): such a job fails
 * cleanly (generation_failed) and the tab goes on serving.
 */
import { Wllama } from '@wllama/wllama';
import { outputHash } from '../../sdk/src/crypto/envelope';
import type { InferenceRequest } from '../../sdk/src/crypto/request';
import {
  BackendError,
  DEFAULT_CONTEXT,
  DEFAULT_SAMPLER,
  makeProfile,
  Mutex,
  profileIdHex,
  renderPrompt,
  samplerSeed,
  WASM_ENGINE,
  type Backend,
  type BackendModel,
  type ExecutionProfile,
  type GenerateOptions,
  type GenerateResult,
} from '../../worker/browser';

export interface TabModel {
  /** The profile's name (shown and listed; not part of the id). */
  name: string;
  /** Where the tab fetches the GGUF file (the dashboard serves the configured one). */
  url: string;
  /** The weights the file must hash to. */
  sha256: string;
}

export interface LoadProgress {
  phase: 'download' | 'hash' | 'load';
  loaded: number;
  total: number;
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function download(url: string, onProgress?: (p: LoadProgress) => void): Promise<Uint8Array<ArrayBuffer>> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`the model could not be fetched: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    onProgress?.({ phase: 'download', loaded, total });
  }
  const out = new Uint8Array(new ArrayBuffer(loaded));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class WasmBackend implements Backend {
  readonly kind = 'wasm' as const;
  private readonly lock = new Mutex();

  private constructor(
    private readonly wllama: Wllama,
    readonly profile: ExecutionProfile,
    readonly id: string,
    readonly loadMs: number,
    readonly threads: number,
  ) {}

  /** Fetches the weights, checks their hash, and loads them into the wasm engine. */
  static async load(model: TabModel, opts: { wasmUrl: string; threads: number; onProgress?: (p: LoadProgress) => void }): Promise<WasmBackend> {
    const started = performance.now();
    const bytes = await download(model.url, opts.onProgress);
    opts.onProgress?.({ phase: 'hash', loaded: bytes.length, total: bytes.length });
    const sha = hex(await crypto.subtle.digest('SHA-256', bytes));
    if (sha !== model.sha256) throw new Error(`the model file hashes to ${sha.slice(0, 16)}…, not the pinned ${model.sha256.slice(0, 16)}…`);
    const wllama = new Wllama({ default: opts.wasmUrl }, { suppressNativeLog: true });
    // No compat build: it would be fetched from a CDN. Without JSPI and Memory64 loading fails with one clear error.
    wllama.setCompat(null);
    opts.onProgress?.({ phase: 'load', loaded: bytes.length, total: bytes.length });
    const context = DEFAULT_CONTEXT;
    await wllama.loadModel([new Blob([bytes])], {
      n_ctx: context.size,
      n_batch: context.batchSize,
      n_threads: opts.threads,
      n_gpu_layers: 0,
      cache_type_k: 'f32',
      cache_type_v: 'f32',
      flash_attn: false,
      n_parallel: 1,
    });
    const profile = makeProfile({ name: model.name, weightsSha256: sha, engine: WASM_ENGINE, context, addBos: wllama.mustAddBosToken() });
    return new WasmBackend(wllama, profile, profileIdHex(profile), performance.now() - started, wllama.getNumThreads());
  }

  models(): BackendModel[] {
    return [{ id: this.id, name: this.profile.name, deterministic: true, profile: this.profile }];
  }

  queued(): number {
    return this.lock.queued;
  }

  /** One generation at a time (as the native engine): concurrent jobs queue. */
  async generate(modelIdHex: string, request: InferenceRequest, seed: bigint, opts: GenerateOptions = {}): Promise<GenerateResult> {
    if (modelIdHex !== this.id) throw new BackendError(`this tab does not serve model ${modelIdHex.slice(0, 16)}…`, 'unsupported_model');
    return this.lock.run(() => this.generateNow(request, seed, opts));
  }

  private async generateNow(request: InferenceRequest, seed: bigint, opts: GenerateOptions): Promise<GenerateResult> {
    if (opts.signal?.aborted) throw new BackendError('aborted before it started', 'aborted');
    const s = this.profile.sampler ?? DEFAULT_SAMPLER;
    const prompt = renderPrompt(request, this.profile.prompt.template);
    let text = '';
    let pieces = 0;
    let finish: string | null = null;
    let usage: { prompt_tokens?: number; completion_tokens?: number } | null = null;
    try {
      await this.wllama.createCompletion({
        prompt,
        max_tokens: request.maxTokens,
        temperature: s.temperature,
        temp: s.temperature,
        top_k: s.topK,
        top_p: s.topP,
        min_p: s.minP,
        penalty_repeat: 1,
        seed: samplerSeed(seed, s.seedMode),
        stream: true,
        abortSignal: opts.signal,
        onData: (chunk) => {
          const choice = chunk.choices[0];
          if (chunk.usage) usage = chunk.usage;
          if (!choice) return;
          if (choice.finish_reason) finish = choice.finish_reason;
          if (choice.text) {
            pieces++;
            text += choice.text;
            opts.onText?.(choice.text);
          }
        },
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (opts.signal?.aborted) throw new BackendError('the generation was aborted', 'aborted');
      if (/context|too long|exceed/i.test(message)) throw new BackendError(`the prompt does not fit the context: ${message}`, 'too_long');
      throw new BackendError(`the wasm engine failed: ${message.split('\n')[0]}`, 'upstream');
    }
    const u = usage as { prompt_tokens?: number; completion_tokens?: number } | null;
    return {
      text,
      outputHash: outputHash(text),
      completionTokens: u?.completion_tokens ?? pieces,
      promptTokens: u?.prompt_tokens ?? 0,
      stopReason: finish === 'length' ? 'max_tokens' : 'eog',
    };
  }

  async close(): Promise<void> {
    await this.wllama.exit();
  }
}
