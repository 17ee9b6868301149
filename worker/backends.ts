/**
 * Where a worker's answers come from, behind one interface:
 *   - `llama`: models in this process (node-llama-cpp), each under an execution profile: the
 *     on-chain model id is the profile id, and re-execution reproduces the bytes.
 *   - `upstream`: any OpenAI-compatible server (ollama, vLLM, llama.cpp server, LM Studio, or our
 *     own worker/openai-server.ts). Deterministic only when the operator names the execution
 *     profile the upstream runs (`profile_id`); otherwise listed under a hosted model id and
 *     served on the open tier only.
 *   - `ghost`: a hosted provider's API with the operator's key. Hosted APIs are not
 *     deterministic (their batching, weights and sampling are not ours to pin), so a ghost node
 *     serves the open tier only, and says so. The key goes only into the Authorization header to
 *     the provider: never on chain, never in a log line or an error message.
 */
import OpenAI from 'openai';
import type { InferenceRequest } from '../sdk/src/crypto/request';
import { outputHash } from '../sdk/src/crypto/envelope';
import type { LlamaEngine } from './engine';
import { hostedModelId, profileId, samplerSeed, type ExecutionProfile } from './profile';

export type BackendKind = 'llama' | 'upstream' | 'ghost' | 'wasm';

export interface BackendModel {
  /** On-chain model id (hex). */
  id: string;
  name: string;
  deterministic: boolean;
  profile: ExecutionProfile | null;
}

export interface GenerateResult {
  text: string;
  outputHash: Uint8Array;
  completionTokens: number;
  promptTokens: number;
  stopReason: 'eog' | 'max_tokens' | 'stop';
}

export interface GenerateOptions {
  onText?: (text: string) => void;
  signal?: AbortSignal;
}

export interface Backend {
  readonly kind: BackendKind;
  models(): BackendModel[];
  generate(modelIdHex: string, request: InferenceRequest, seed: bigint, opts?: GenerateOptions): Promise<GenerateResult>;
  /** Generations waiting (in-process backends). */
  queued(): number;
  close(): Promise<void>;
}

export class BackendError extends Error {
  constructor(
    message: string,
    readonly code: 'unsupported_model' | 'too_long' | 'upstream' | 'aborted' = 'upstream',
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

/** Models in this process. */
export class LlamaBackend implements Backend {
  readonly kind = 'llama' as const;
  private readonly byId = new Map<string, LlamaEngine>();

  constructor(engines: LlamaEngine[]) {
    for (const e of engines) this.byId.set(e.id, e);
  }

  models(): BackendModel[] {
    return [...this.byId.values()].map((e) => ({ id: e.id, name: e.profile.name, deterministic: true, profile: e.profile }));
  }

  engine(modelIdHex: string): LlamaEngine {
    const e = this.byId.get(modelIdHex);
    if (!e) throw new BackendError(`this worker does not serve model ${modelIdHex.slice(0, 16)}…`, 'unsupported_model');
    return e;
  }

  async generate(modelIdHex: string, request: InferenceRequest, seed: bigint, opts: GenerateOptions = {}): Promise<GenerateResult> {
    const engine = this.engine(modelIdHex);
    try {
      const r = await engine.generate(request, seed, request.maxTokens, opts);
      return { text: r.text, outputHash: r.outputHash, completionTokens: r.tokens.length, promptTokens: r.promptTokens, stopReason: r.stopReason === 'aborted' ? 'stop' : r.stopReason };
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.code === 'too_long') throw new BackendError(e.message, 'too_long');
      if (e.code === 'aborted') throw new BackendError(e.message, 'aborted');
      throw err;
    }
  }

  queued(): number {
    return [...this.byId.values()].reduce((n, e) => n + e.queued, 0);
  }

  async close(): Promise<void> {
    for (const e of this.byId.values()) await e.close();
  }
}

export interface OpenAICompatibleOptions {
  kind: 'upstream' | 'ghost';
  /** Base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1. */
  baseUrl: string;
  /** The upstream's model name. */
  model: string;
  /** The provider's API key (ghost nodes; optional for self-hosted upstreams). */
  apiKey?: string;
  /** Upstreams only: the execution profile the upstream runs, when it is one (makes it deterministic). */
  profile?: ExecutionProfile;
  /** Per request. */
  timeoutMs?: number;
}

/** An OpenAI-compatible upstream or a hosted provider (ghost node). */
export class OpenAICompatibleBackend implements Backend {
  readonly kind: 'upstream' | 'ghost';
  private readonly client: OpenAI;
  private readonly model: BackendModel;
  private readonly apiKey: string | undefined;
  private readonly upstreamModel: string;

  constructor(opts: OpenAICompatibleOptions) {
    this.kind = opts.kind;
    if (opts.kind === 'ghost' && !opts.apiKey) throw new BackendError('a ghost node needs the provider API key');
    if (opts.kind === 'ghost' && opts.profile) throw new BackendError('a ghost node cannot claim an execution profile: hosted APIs are not deterministic');
    this.apiKey = opts.apiKey;
    this.upstreamModel = opts.model;
    this.client = new OpenAI({ baseURL: opts.baseUrl, apiKey: opts.apiKey ?? 'none', maxRetries: 0, timeout: opts.timeoutMs ?? 120_000 });
    const host = new URL(opts.baseUrl).host;
    this.model = opts.profile
      ? { id: Buffer.from(profileId(opts.profile)).toString('hex'), name: opts.profile.name, deterministic: true, profile: opts.profile }
      : { id: Buffer.from(hostedModelId(opts.kind === 'ghost' ? host : 'upstream', opts.model)).toString('hex'), name: opts.model, deterministic: false, profile: null };
  }

  models(): BackendModel[] {
    return [this.model];
  }

  /** An error message with the API key removed (providers sometimes echo request details). */
  private scrub(message: string): string {
    return this.apiKey && this.apiKey.length >= 4 ? message.split(this.apiKey).join('[redacted]') : message;
  }

  async generate(modelIdHex: string, request: InferenceRequest, seed: bigint, opts: GenerateOptions = {}): Promise<GenerateResult> {
    if (modelIdHex !== this.model.id) throw new BackendError(`this worker does not serve model ${modelIdHex.slice(0, 16)}…`, 'unsupported_model');
    const sampler = this.model.profile?.sampler;
    const common = {
      model: this.upstreamModel,
      max_tokens: request.maxTokens,
      seed: samplerSeed(seed),
      stream: true as const,
      stream_options: { include_usage: true },
      ...(sampler ? { temperature: sampler.temperature, top_p: sampler.topP } : {}),
    };
    let text = '';
    let completionTokens = 0;
    let promptTokens = 0;
    let finish: string | null = null;
    try {
      if (request.prompt !== undefined) {
        const stream = await this.client.completions.create({ ...common, prompt: request.prompt }, { signal: opts.signal });
        for await (const chunk of stream) {
          const piece = chunk.choices?.[0]?.text ?? '';
          if (piece) {
            text += piece;
            opts.onText?.(piece);
          }
          finish = chunk.choices?.[0]?.finish_reason ?? finish;
          if (chunk.usage) ({ completion_tokens: completionTokens, prompt_tokens: promptTokens } = chunk.usage);
        }
      } else {
        const stream = await this.client.chat.completions.create({ ...common, messages: request.messages.map((m) => ({ role: m.role, content: m.content })) }, { signal: opts.signal });
        for await (const chunk of stream) {
          const piece = chunk.choices?.[0]?.delta?.content ?? '';
          if (piece) {
            text += piece;
            opts.onText?.(piece);
          }
          finish = chunk.choices?.[0]?.finish_reason ?? finish;
          if (chunk.usage) ({ completion_tokens: completionTokens, prompt_tokens: promptTokens } = chunk.usage);
        }
      }
    } catch (err) {
      if (opts.signal?.aborted) throw new BackendError('the generation was aborted', 'aborted');
      const status = (err as { status?: number }).status;
      throw new BackendError(this.scrub(`the ${this.kind} at ${this.client.baseURL} failed${status ? ` (HTTP ${status})` : ''}: ${(err as Error).message}`));
    }
    return { text, outputHash: outputHash(text), completionTokens, promptTokens, stopReason: finish === 'length' ? 'max_tokens' : 'eog' };
  }

  queued(): number {
    return 0;
  }

  async close(): Promise<void> {
    // Nothing held open: the client's sockets close with their requests.
  }
}
