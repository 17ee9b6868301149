/**
 * Execution profiles: what the on-chain model id names.
 *
 * A job's `model` (32 bytes) is the id of an execution profile: sha256 of the canonical JSON of
 * everything that decides the output bytes, so a validator that runs the same profile on the
 * same request and seed gets the same bytes:
 *   - the weights (sha256 of the GGUF file);
 *   - the engine kind and exact version (node-llama-cpp 3.21.1, native CPU build);
 *   - the context: size, batch size, KV cache type F32 for keys and values, flash attention off
 *     (f16 caches and flash attention diverge across SIMD paths within a few tokens);
 *   - every sampler value set explicitly: temperature, top_k, top_p, min_p, repeat penalty off
 *     (the engines' defaults differ, e.g. min_p 0.05 in wllama, 0 here; top_k 40 by default);
 *   - how a request becomes tokens: the chat template and whether a BOS token is prepended.
 *     The prompt is tokenized by us and handed to the engine as tokens (node-llama-cpp drops a
 *     leading-space token from a string prompt).
 *   - how the job's u64 seed reaches the sampler (`seed_mode: "low32"`: seed mod 2^32, the
 *     width of llama.cpp's sampler seed). At temperature 0 sampling is greedy and the seed is
 *     ignored.
 * Where the weights live (a path or URL) is not part of the id.
 *
 * Two engines exist: the native one above and llama.cpp in WebAssembly (`wllama` 3.13.0, build
 * `wasm`) that a browser tab runs (dashboard/tab/). Their outputs are byte-identical only when
 * everything stays in f32 (weights, KV cache) with flash attention off, and even then a job's id
 * names the engine that served it: a tab advertises the wasm engine, never the native one.
 *
 * Hosted APIs cannot be pinned like this (their weights, batching and sampling are not ours):
 * a ghost node's models are named by `hostedModelId` and served on the open tier only.
 */
import { createHash } from 'node:crypto';

export const ENGINE_KIND = 'node-llama-cpp';
export const ENGINE_VERSION = '3.21.1';
/** llama.cpp in WebAssembly, as a browser tab runs it (pinned in package.json). */
export const WASM_ENGINE_KIND = 'wllama';
export const WASM_ENGINE_VERSION = '3.13.0';
export type EngineSpec = { kind: typeof ENGINE_KIND; version: string; build: 'cpu' } | { kind: typeof WASM_ENGINE_KIND; version: string; build: 'wasm' };
export const NATIVE_ENGINE: EngineSpec = { kind: ENGINE_KIND, version: ENGINE_VERSION, build: 'cpu' };
export const WASM_ENGINE: EngineSpec = { kind: WASM_ENGINE_KIND, version: WASM_ENGINE_VERSION, build: 'wasm' };
export const TEMPLATES = ['raw', 'peer-plain-v1'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export interface SamplerSettings {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  /** 1 = off (the only value profiles use for now: the penalty window depends on the engine). */
  repeatPenalty: 1;
  seedMode: 'low32';
}

export interface ExecutionProfile {
  /** A human name ("peer-demo"); not part of the id. */
  name: string;
  weightsSha256: string;
  engine: EngineSpec;
  context: { size: number; batchSize: number; kvCacheType: 'F32'; flashAttention: false };
  sampler: SamplerSettings;
  prompt: { template: TemplateName; addBos: boolean };
}

/** The defaults of the demo profile; a config may change the sampler and context values. */
export const DEFAULT_SAMPLER: SamplerSettings = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0, repeatPenalty: 1, seedMode: 'low32' };
export const DEFAULT_CONTEXT = { size: 1024, batchSize: 512, kvCacheType: 'F32' as const, flashAttention: false as const };

export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

function finite(v: unknown, name: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw new ProfileError(`profile ${name} must be a number within ${lo}..${hi}`);
  return v;
}

/** Checks a profile's every field (one clear error). */
export function checkProfile(p: ExecutionProfile): ExecutionProfile {
  if (typeof p.name !== 'string' || !/^[\w.-]{1,64}$/.test(p.name)) throw new ProfileError('profile name must be 1-64 letters, digits, dots, dashes or underscores');
  if (!/^[0-9a-f]{64}$/.test(p.weightsSha256)) throw new ProfileError(`profile ${p.name}: weights sha256 must be 64 lowercase hex digits`);
  const engineOk = (p.engine?.kind === ENGINE_KIND && p.engine.build === 'cpu') || (p.engine?.kind === WASM_ENGINE_KIND && p.engine.build === 'wasm');
  if (!engineOk || typeof p.engine.version !== 'string' || !/^[\w.+-]{1,32}$/.test(p.engine.version)) throw new ProfileError(`profile ${p.name}: engine must be ${ENGINE_KIND} (cpu build) or ${WASM_ENGINE_KIND} (wasm build)`);
  if (!Number.isInteger(p.context.size) || p.context.size < 64 || p.context.size > 32_768) throw new ProfileError(`profile ${p.name}: context size must be within 64..32768`);
  if (!Number.isInteger(p.context.batchSize) || p.context.batchSize < 1 || p.context.batchSize > p.context.size) throw new ProfileError(`profile ${p.name}: batch size must be within 1..context size`);
  if (p.context.kvCacheType !== 'F32' || p.context.flashAttention !== false) throw new ProfileError(`profile ${p.name}: deterministic profiles use an F32 KV cache and no flash attention`);
  finite(p.sampler.temperature, 'temperature', 0, 2);
  if (!Number.isInteger(p.sampler.topK) || p.sampler.topK < 0 || p.sampler.topK > 1000) throw new ProfileError(`profile ${p.name}: top_k must be an integer within 0..1000`);
  finite(p.sampler.topP, 'top_p', 0, 1);
  finite(p.sampler.minP, 'min_p', 0, 1);
  if (p.sampler.repeatPenalty !== 1 || p.sampler.seedMode !== 'low32') throw new ProfileError(`profile ${p.name}: repeat penalty must be 1 (off) and seed mode low32`);
  if (!(TEMPLATES as readonly string[]).includes(p.prompt.template) || typeof p.prompt.addBos !== 'boolean') throw new ProfileError(`profile ${p.name}: template must be one of ${TEMPLATES.join(', ')}`);
  return p;
}

/** The canonical JSON the id hashes (fixed key order; the name is left out). */
export function canonicalProfile(p: ExecutionProfile): string {
  return JSON.stringify({
    v: 1,
    weights_sha256: p.weightsSha256,
    engine: { kind: p.engine.kind, version: p.engine.version, build: p.engine.build },
    context: { size: p.context.size, batch_size: p.context.batchSize, kv_cache_type: p.context.kvCacheType, flash_attention: p.context.flashAttention },
    sampler: {
      temperature: p.sampler.temperature,
      top_k: p.sampler.topK,
      top_p: p.sampler.topP,
      min_p: p.sampler.minP,
      repeat_penalty: p.sampler.repeatPenalty,
      seed_mode: p.sampler.seedMode,
    },
    prompt: { template: p.prompt.template, add_bos: p.prompt.addBos },
  });
}

/** The on-chain model id of a profile (32 bytes). */
export function profileId(p: ExecutionProfile): Uint8Array {
  return new Uint8Array(createHash('sha256').update(canonicalProfile(checkProfile(p))).digest());
}

export function profileIdHex(p: ExecutionProfile): string {
  return Buffer.from(profileId(p)).toString('hex');
}

/** The id a ghost node's hosted model is listed under (not an execution profile: open tier only). */
export function hostedModelId(provider: string, model: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`peer-cycles/hosted/v1\0${provider}\0${model}`).digest());
}

/** The sampler seed from the job's u64 seed (documented as seed_mode "low32"). */
export function samplerSeed(seed: bigint | number, mode: SamplerSettings['seedMode'] = 'low32'): number {
  if (mode !== 'low32') throw new ProfileError(`unknown seed mode ${String(mode)}`);
  const s = typeof seed === 'bigint' ? seed : BigInt(seed);
  if (s < 0n || s >= 1n << 64n) throw new ProfileError('the seed is a u64');
  return Number(s & 0xffff_ffffn);
}

/** A profile for a weights file with the given sampler/context overrides. */
export function makeProfile(args: { name: string; weightsSha256: string; sampler?: Partial<SamplerSettings>; context?: Partial<typeof DEFAULT_CONTEXT>; template?: TemplateName; addBos?: boolean; engine?: EngineSpec }): ExecutionProfile {
  return checkProfile({
    name: args.name,
    weightsSha256: args.weightsSha256.toLowerCase(),
    engine: { ...(args.engine ?? NATIVE_ENGINE) },
    context: { ...DEFAULT_CONTEXT, ...args.context },
    sampler: { ...DEFAULT_SAMPLER, ...args.sampler },
    prompt: { template: args.template ?? 'peer-plain-v1', addBos: args.addBos ?? false },
  });
}

/**
 * A profile from its canonical JSON (as a worker's /v1/models publishes it), checked against the
 * on-chain model id: a validator learns the profile of a job's model this way and trusts it only
 * because it hashes to the id. The name is not part of the id; `name` labels it locally.
 */
export function profileFromCanonical(canonical: string | Record<string, unknown>, expectedIdHex: string, name = 'profile'): ExecutionProfile {
  const c = (typeof canonical === 'string' ? JSON.parse(canonical) : canonical) as {
    v?: number;
    weights_sha256?: string;
    engine?: { kind?: string; version?: string; build?: string };
    context?: { size?: number; batch_size?: number; kv_cache_type?: string; flash_attention?: boolean };
    sampler?: { temperature?: number; top_k?: number; top_p?: number; min_p?: number; repeat_penalty?: number; seed_mode?: string };
    prompt?: { template?: string; add_bos?: boolean };
  };
  if (!c || c.v !== 1 || !c.engine || !c.context || !c.sampler || !c.prompt) throw new ProfileError('not a version 1 canonical profile');
  const p = checkProfile({
    name,
    weightsSha256: String(c.weights_sha256),
    engine: { kind: c.engine.kind, version: String(c.engine.version), build: c.engine.build } as EngineSpec,
    context: { size: Number(c.context.size), batchSize: Number(c.context.batch_size), kvCacheType: c.context.kv_cache_type as 'F32', flashAttention: c.context.flash_attention as false },
    sampler: {
      temperature: Number(c.sampler.temperature),
      topK: Number(c.sampler.top_k),
      topP: Number(c.sampler.top_p),
      minP: Number(c.sampler.min_p),
      repeatPenalty: c.sampler.repeat_penalty as 1,
      seedMode: c.sampler.seed_mode as 'low32',
    },
    prompt: { template: c.prompt.template as TemplateName, addBos: c.prompt.add_bos as boolean },
  });
  const id = profileIdHex(p);
  if (id !== expectedIdHex.toLowerCase()) throw new ProfileError(`the profile hashes to ${id}, not the model id ${expectedIdHex}`);
  return p;
}
