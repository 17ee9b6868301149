/**
 * The plaintext inference request and its commitment.
 *
 * A request is UTF-8 JSON with a fixed key order, produced by `encodeRequest`:
 *   {"v":1,"max_tokens":N,"prompt":"…"}                        a raw completion, or
 *   {"v":1,"max_tokens":N,"messages":[{"role":"user","content":"…"},…]}   a chat
 * The model, tier and seed are not in it: they are on the job account.
 *
 * prompt_commitment (on-chain) = sha256("peer-cycles/request/v2" ‖ 0x00 ‖ salt (32) ‖ request bytes)
 * with a fresh random 32-byte salt per job, so the commitment reveals nothing about the request,
 * is fixed before any worker is chosen, and anyone given the *opening* (request bytes + salt)
 * can check it. The exact bytes are hashed as carried, so no canonicalization is needed on the
 * reading side; `decodeRequest` still rejects anything `encodeRequest` would not produce.
 */
import { randomBytes } from 'node:crypto';
import { CryptoError, ValidationError } from '../errors';
import { sha256 } from './hash';

export const REQUEST_VERSION = 1;
const COMMITMENT_DOMAIN = 'peer-cycles/request/v2';
/** Largest request in bytes (what a worker endpoint accepts, too). */
export const MAX_REQUEST_BYTES = 64 * 1024;
export const MAX_MESSAGES = 64;
export const MAX_TOKENS_LIMIT = 4096;
export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export type InferenceRequest = { v: 1; maxTokens: number } & ({ prompt: string; messages?: undefined } | { messages: ChatMessage[]; prompt?: undefined });

/** What a request opens to: the exact request bytes and the salt. */
export interface RequestOpening {
  request: Uint8Array;
  salt: Uint8Array;
}

function checkRequest(r: { maxTokens: unknown; prompt?: unknown; messages?: unknown }): InferenceRequest {
  if (!Number.isInteger(r.maxTokens) || (r.maxTokens as number) < 1 || (r.maxTokens as number) > MAX_TOKENS_LIMIT) {
    throw new ValidationError(`max_tokens must be an integer within 1..${MAX_TOKENS_LIMIT}`);
  }
  const maxTokens = r.maxTokens as number;
  if ((r.prompt === undefined) === (r.messages === undefined)) throw new ValidationError('a request has either a prompt or messages');
  if (r.prompt !== undefined) {
    if (typeof r.prompt !== 'string' || r.prompt.length === 0) throw new ValidationError('the prompt must be a non-empty string');
    return { v: 1, maxTokens, prompt: r.prompt };
  }
  if (!Array.isArray(r.messages) || r.messages.length === 0 || r.messages.length > MAX_MESSAGES) {
    throw new ValidationError(`messages must be a list of 1 to ${MAX_MESSAGES} messages`);
  }
  const messages = r.messages.map((m: unknown, i) => {
    const msg = m as { role?: unknown; content?: unknown } | null;
    if (!msg || typeof msg !== 'object') throw new ValidationError(`message ${i} is not an object`);
    if (!(CHAT_ROLES as readonly unknown[]).includes(msg.role)) throw new ValidationError(`message ${i} has an unknown role (system, user, assistant)`);
    if (typeof msg.content !== 'string') throw new ValidationError(`message ${i} has no text content`);
    if (Object.keys(msg).some((k) => k !== 'role' && k !== 'content')) throw new ValidationError(`message ${i} has fields other than role and content`);
    return { role: msg.role as ChatRole, content: msg.content };
  });
  return { v: 1, maxTokens, messages };
}

/** The request's bytes (fixed key order), checked. */
export function encodeRequest(input: { maxTokens: number; prompt?: string; messages?: ChatMessage[] }): Uint8Array {
  const r = checkRequest(input);
  const json =
    r.prompt !== undefined
      ? JSON.stringify({ v: 1, max_tokens: r.maxTokens, prompt: r.prompt })
      : JSON.stringify({ v: 1, max_tokens: r.maxTokens, messages: r.messages.map((m) => ({ role: m.role, content: m.content })) });
  const bytes = new Uint8Array(Buffer.from(json, 'utf8'));
  if (bytes.length > MAX_REQUEST_BYTES) throw new ValidationError(`the request is ${bytes.length} bytes; at most ${MAX_REQUEST_BYTES}`);
  return bytes;
}

/** Parses request bytes; rejects anything that is not exactly what `encodeRequest` writes. */
export function decodeRequest(bytes: Uint8Array): InferenceRequest {
  if (bytes.length > MAX_REQUEST_BYTES) throw new CryptoError(`the request is ${bytes.length} bytes; at most ${MAX_REQUEST_BYTES}`);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch {
    throw new CryptoError('the request is not UTF-8 JSON');
  }
  if (!parsed || typeof parsed !== 'object' || parsed.v !== REQUEST_VERSION) throw new CryptoError('the request is not a version 1 request');
  let r: InferenceRequest;
  try {
    r = checkRequest({ maxTokens: parsed.max_tokens, prompt: parsed.prompt, messages: parsed.messages });
  } catch (err) {
    throw new CryptoError(`invalid request: ${(err as Error).message}`);
  }
  if (!Buffer.from(encodeRequest(r)).equals(Buffer.from(bytes))) throw new CryptoError('the request is not in canonical form');
  return r;
}

/** sha256(domain ‖ 0 ‖ salt ‖ request): the job's prompt_commitment. */
export function requestCommitment(request: Uint8Array, salt: Uint8Array): Uint8Array {
  if (salt.length !== 32) throw new CryptoError('the request salt is 32 bytes');
  return sha256(Buffer.concat([Buffer.from(COMMITMENT_DOMAIN), Buffer.from([0]), Buffer.from(salt), Buffer.from(request)]));
}

/** A fresh opening for a request: its bytes, a random salt, and the commitment to post. */
export function commitRequest(input: { maxTokens: number; prompt?: string; messages?: ChatMessage[] } | Uint8Array, salt?: Uint8Array): RequestOpening & { commitment: Uint8Array } {
  const request = input instanceof Uint8Array ? (decodeRequest(input), input) : encodeRequest(input);
  const s = salt ?? new Uint8Array(randomBytes(32));
  return { request, salt: s, commitment: requestCommitment(request, s) };
}

/** Whether an opening matches an on-chain commitment (constant-time compare is not needed: both are public). */
export function openingMatches(opening: RequestOpening, commitment: Uint8Array): boolean {
  return Buffer.from(requestCommitment(opening.request, opening.salt)).equals(Buffer.from(commitment));
}
