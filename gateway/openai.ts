/**
 * The OpenAI chat-completions surface: the request body checked field by field into a
 * ChatRequest, and the response bodies and stream chunks built in OpenAI's exact shapes.
 */
import { PublicKey } from '@solana/web3.js';
import { invalid } from './errors';

export const TIERS = ['open', 'verified', 'confidential'] as const;
export type TierName = (typeof TIERS)[number];
export const MAX_TOKENS_LIMIT = 4096;
const MAX_MESSAGES = 64;
const MAX_STOP = 4;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  stream: boolean;
  includeUsage: boolean;
  /** The job's sampling seed (on chain). Random when omitted. */
  seed: bigint | null;
  stop: string[];
  temperature: number | null;
  topP: number | null;
  user: string | null;
  tier: TierName;
  /** Most credits the request may lock; null: the gateway's default. */
  maxPrice: bigint | null;
  worker: PublicKey | null;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optionalNumber(body: Json, key: string, min: number, max: number): number | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw invalid(`${key} must be a number from ${min} to ${max}`, key);
  return v;
}

function optionalInt(body: Json, key: string, min: number, max: number): number | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(`${key} must be an integer from ${min} to ${max}`, key);
  return v;
}

function messageText(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    // Content parts: only text parts can travel to a text model.
    return content
      .map((part, j) => {
        if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') {
          throw invalid(`messages[${i}].content[${j}] must be a text part ({"type":"text","text":"..."})`, `messages[${i}].content`);
        }
        return part.text;
      })
      .join('');
  }
  throw invalid(`messages[${i}].content must be a string or a list of text parts`, `messages[${i}].content`);
}

/** Parses a /v1/chat/completions body; throws a 400 GatewayError naming the first bad field. */
export function parseChatRequest(body: unknown, defaults: { tier: TierName; maxTokens: number }): ChatRequest {
  if (!isObject(body)) throw invalid('the request body must be a JSON object', null, 'invalid_json');
  if (typeof body.model !== 'string' || body.model.length === 0 || body.model.length > 256) throw invalid('model is required (a model name from GET /v1/models)', 'model');
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw invalid('messages must be a non-empty list', 'messages');
  if (body.messages.length > MAX_MESSAGES) throw invalid(`at most ${MAX_MESSAGES} messages`, 'messages');
  const messages = body.messages.map((m: unknown, i): ChatMessage => {
    if (!isObject(m)) throw invalid(`messages[${i}] must be an object`, `messages[${i}]`);
    const role = m.role === 'developer' ? 'system' : m.role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw invalid(`messages[${i}].role must be system, developer, user or assistant`, `messages[${i}].role`);
    }
    return { role, content: messageText(m.content, i) };
  });
  for (const unsupported of ['tools', 'functions', 'tool_choice', 'logprobs', 'audio']) {
    if (body[unsupported] !== undefined && body[unsupported] !== null && body[unsupported] !== false) {
      throw invalid(`${unsupported} is not supported by Peer Cycles models`, unsupported, 'unsupported_parameter');
    }
  }
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw invalid('n must be 1', 'n', 'unsupported_value');
  if (body.max_tokens !== undefined && body.max_tokens !== null && body.max_completion_tokens !== undefined && body.max_completion_tokens !== null) {
    throw invalid('give max_tokens or max_completion_tokens, not both', 'max_tokens');
  }
  const tokensKey = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
  const maxTokens = optionalInt(body, tokensKey, 1, MAX_TOKENS_LIMIT) ?? defaults.maxTokens;
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalid('stream must be true or false', 'stream');
  const stream = body.stream === true;
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!isObject(body.stream_options)) throw invalid('stream_options must be an object', 'stream_options');
    if (!stream) throw invalid('stream_options is only allowed with stream: true', 'stream_options');
    const iu = body.stream_options.include_usage;
    if (iu !== undefined && typeof iu !== 'boolean') throw invalid('stream_options.include_usage must be true or false', 'stream_options.include_usage');
    includeUsage = iu === true;
  }
  const seedNum = optionalInt(body, 'seed', 0, Number.MAX_SAFE_INTEGER);
  let stop: string[] = [];
  if (body.stop !== undefined && body.stop !== null) {
    const list = typeof body.stop === 'string' ? [body.stop] : body.stop;
    if (!Array.isArray(list) || list.length > MAX_STOP || list.some((s) => typeof s !== 'string' || s.length === 0 || s.length > 256)) {
      throw invalid(`stop must be a non-empty string or a list of up to ${MAX_STOP}`, 'stop');
    }
    stop = list as string[];
  }
  if (body.user !== undefined && body.user !== null && (typeof body.user !== 'string' || body.user.length > 256)) throw invalid('user must be a string of at most 256 characters', 'user');
  let tier = defaults.tier;
  if (body.peer_tier !== undefined && body.peer_tier !== null) {
    if (!(TIERS as readonly unknown[]).includes(body.peer_tier)) throw invalid('peer_tier must be open, verified or confidential', 'peer_tier');
    tier = body.peer_tier as TierName;
  }
  const maxPrice = optionalInt(body, 'peer_max_price', 1, 1_000_000_000);
  let worker: PublicKey | null = null;
  if (body.peer_worker !== undefined && body.peer_worker !== null) {
    try {
      if (typeof body.peer_worker !== 'string') throw new Error();
      worker = new PublicKey(body.peer_worker);
    } catch {
      throw invalid('peer_worker must be a worker account address (base58)', 'peer_worker');
    }
  }
  return {
    model: body.model,
    messages,
    maxTokens,
    stream,
    includeUsage,
    seed: seedNum === null ? null : BigInt(seedNum),
    stop,
    temperature: optionalNumber(body, 'temperature', 0, 2),
    topP: optionalNumber(body, 'top_p', 0, 1),
    user: typeof body.user === 'string' ? body.user : null,
    tier,
    maxPrice: maxPrice === null ? null : BigInt(maxPrice),
    worker,
  };
}

/** Where the first stop sequence starts in `text`, or -1. */
export function stopIndex(text: string, stop: string[]): number {
  let best = -1;
  for (const s of stop) {
    const i = text.indexOf(s);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/**
 * Applies stop sequences to a stream: `push` returns the text safe to emit now (holding back a
 * tail that could still begin a stop sequence); `stopped` turns true at the first stop.
 */
export class StopFilter {
  private pending = '';
  stopped = false;
  private readonly hold: number;

  constructor(private readonly stop: string[]) {
    this.hold = stop.reduce((m, s) => Math.max(m, s.length - 1), 0);
  }

  push(text: string): string {
    if (this.stopped) return '';
    this.pending += text;
    const at = stopIndex(this.pending, this.stop);
    if (at >= 0) {
      this.stopped = true;
      const out = this.pending.slice(0, at);
      this.pending = '';
      return out;
    }
    const safe = Math.max(0, this.pending.length - this.hold);
    const out = this.pending.slice(0, safe);
    this.pending = this.pending.slice(safe);
    return out;
  }

  flush(): string {
    const out = this.stopped ? '' : this.pending;
    this.pending = '';
    return out;
  }
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Proof that travels with every answer: where the job is on chain and what was checked. */
export interface PeerProof {
  job: string;
  worker: string;
  tier: TierName;
  price: string;
  output_hash: string;
  post_tx: string | null;
  verified: boolean;
  enclave_verified: boolean | null;
  /** Confidential jobs: whether the enclave's attestation came from TEE hardware (false: a DEV enclave). */
  enclave_attested: boolean | null;
}

export function completionBody(args: { id: string; created: number; model: string; text: string; finishReason: string; usage: Usage; peer: PeerProof }): Record<string, unknown> {
  return {
    id: args.id,
    object: 'chat.completion',
    created: args.created,
    model: args.model,
    system_fingerprint: null,
    choices: [{ index: 0, message: { role: 'assistant', content: args.text, refusal: null }, logprobs: null, finish_reason: args.finishReason }],
    usage: args.usage,
    peer: args.peer,
  };
}

export function chunkBody(args: { id: string; created: number; model: string; delta: Record<string, unknown>; finishReason: string | null; usage?: Usage | null; choices?: boolean; peer?: PeerProof }): Record<string, unknown> {
  return {
    id: args.id,
    object: 'chat.completion.chunk',
    created: args.created,
    model: args.model,
    system_fingerprint: null,
    choices: args.choices === false ? [] : [{ index: 0, delta: args.delta, logprobs: null, finish_reason: args.finishReason }],
    ...(args.usage !== undefined ? { usage: args.usage } : {}),
    ...(args.peer ? { peer: args.peer } : {}),
  };
}
