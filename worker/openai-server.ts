/**
 * A small OpenAI-compatible server around in-process engines (hono + streamSSE):
 *   GET  /v1/models
 *   POST /v1/completions        {model, prompt, max_tokens, stream?, seed?, stream_options?}
 *   POST /v1/chat/completions   {model, messages, max_tokens, stream?, seed?, stream_options?}
 * Shapes follow OpenAI's (and ollama's / vLLM's) so existing clients work unchanged: SSE chunks
 * `data: {…}` ending with `data: [DONE]`, `usage` in the last chunk when
 * stream_options.include_usage is set, errors as {error:{message,type,param,code}}.
 *
 * `model` is a profile name or its id (hex). Sampling is the profile's (temperature, top_k,
 * top_p, min_p are fixed by it; a request's sampling fields are ignored); `seed` picks the seed
 * (default 0). It stands in for any upstream in tests and can front a worker's model for local
 * apps; the gateway may reuse `openAIRoutes`.
 */
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { CHAT_ROLES, MAX_MESSAGES, MAX_REQUEST_BYTES, MAX_TOKENS_LIMIT, type ChatMessage, type InferenceRequest } from '../sdk/src/crypto/request';
import type { LlamaEngine } from './engine';

type OpenAIErrorType = 'invalid_request_error' | 'not_found_error' | 'server_error';

function oaiError(c: Context, status: 400 | 404 | 413 | 500, type: OpenAIErrorType, message: string, param: string | null = null) {
  return c.json({ error: { message, type, param, code: null } }, status);
}

interface ParsedBody {
  model: string;
  request: InferenceRequest;
  stream: boolean;
  includeUsage: boolean;
  seed: bigint;
}

function parseBody(raw: unknown, chat: boolean): ParsedBody | { error: string; param: string | null } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { error: 'the body must be a JSON object', param: null };
  const b = raw as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model.length === 0) return { error: 'model is required', param: 'model' };
  const maxTokens = b.max_tokens ?? b.max_completion_tokens ?? 128;
  if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > MAX_TOKENS_LIMIT) return { error: `max_tokens must be within 1..${MAX_TOKENS_LIMIT}`, param: 'max_tokens' };
  let seed = 0n;
  if (b.seed !== undefined && b.seed !== null) {
    if (!Number.isSafeInteger(b.seed) || (b.seed as number) < 0) return { error: 'seed must be a non-negative integer', param: 'seed' };
    seed = BigInt(b.seed as number);
  }
  let request: InferenceRequest;
  if (chat) {
    if (!Array.isArray(b.messages) || b.messages.length === 0 || b.messages.length > MAX_MESSAGES) return { error: `messages must hold 1 to ${MAX_MESSAGES} messages`, param: 'messages' };
    const messages: ChatMessage[] = [];
    for (const m of b.messages as unknown[]) {
      const msg = m as { role?: unknown; content?: unknown };
      if (!msg || !(CHAT_ROLES as readonly unknown[]).includes(msg.role)) return { error: 'each message needs a role of system, user or assistant', param: 'messages' };
      let content = msg.content;
      // The text parts of a content array (the newer OpenAI shape).
      if (Array.isArray(content)) content = content.map((p: { type?: string; text?: string }) => (p?.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
      if (typeof content !== 'string') return { error: 'each message needs text content', param: 'messages' };
      messages.push({ role: msg.role as ChatMessage['role'], content });
    }
    request = { v: 1, maxTokens: maxTokens as number, messages };
  } else {
    if (typeof b.prompt !== 'string' || b.prompt.length === 0) return { error: 'prompt must be a non-empty string', param: 'prompt' };
    request = { v: 1, maxTokens: maxTokens as number, prompt: b.prompt };
  }
  const so = b.stream_options as { include_usage?: unknown } | undefined;
  return { model: b.model, request, stream: b.stream === true, includeUsage: so?.include_usage === true, seed };
}

/** Mounts the OpenAI-compatible routes for `engines` on `app`. */
export function openAIRoutes(app: Hono, engines: LlamaEngine[]): Hono {
  const find = (model: string) => engines.find((e) => e.profile.name === model || e.id === model);
  const created = Math.floor(Date.now() / 1000);

  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: engines.map((e) => ({ id: e.profile.name, object: 'model', created, owned_by: 'peer-cycles', peer_profile_id: e.id })),
    }),
  );

  const handle = (chat: boolean) => async (c: Context) => {
    const length = Number(c.req.header('content-length') ?? 0);
    if (length > MAX_REQUEST_BYTES * 2) return oaiError(c, 413, 'invalid_request_error', `the body is larger than ${MAX_REQUEST_BYTES * 2} bytes`);
    let raw: unknown;
    try {
      const text = await c.req.text();
      if (Buffer.byteLength(text) > MAX_REQUEST_BYTES * 2) return oaiError(c, 413, 'invalid_request_error', `the body is larger than ${MAX_REQUEST_BYTES * 2} bytes`);
      raw = JSON.parse(text);
    } catch {
      return oaiError(c, 400, 'invalid_request_error', 'the body is not valid JSON');
    }
    const parsed = parseBody(raw, chat);
    if ('error' in parsed) return oaiError(c, 400, 'invalid_request_error', parsed.error, parsed.param);
    const engine = find(parsed.model);
    if (!engine) return oaiError(c, 404, 'not_found_error', `model ${parsed.model} not found`, 'model');
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`;
    const object = chat ? 'chat.completion' : 'text_completion';
    const model = engine.profile.name;

    if (!parsed.stream) {
      try {
        const r = await engine.generate(parsed.request, parsed.seed, parsed.request.maxTokens);
        const finish = r.stopReason === 'max_tokens' ? 'length' : 'stop';
        const usage = { prompt_tokens: r.promptTokens, completion_tokens: r.tokens.length, total_tokens: r.promptTokens + r.tokens.length };
        const choice = chat ? { index: 0, message: { role: 'assistant', content: r.text }, finish_reason: finish, logprobs: null } : { index: 0, text: r.text, finish_reason: finish, logprobs: null };
        return c.json({ id, object, created: Math.floor(Date.now() / 1000), model, choices: [choice], usage });
      } catch (err) {
        const code = (err as { code?: string }).code;
        return code === 'too_long' ? oaiError(c, 400, 'invalid_request_error', (err as Error).message, 'max_tokens') : oaiError(c, 500, 'server_error', (err as Error).message);
      }
    }

    return streamSSE(c, async (sse) => {
      const chunkObject = chat ? 'chat.completion.chunk' : 'text_completion';
      const stamp = Math.floor(Date.now() / 1000);
      const abort = new AbortController();
      sse.onAbort(() => abort.abort());
      const send = (choice: Record<string, unknown>, usage?: Record<string, number>) =>
        sse.writeSSE({ data: JSON.stringify({ id, object: chunkObject, created: stamp, model, choices: [choice], ...(usage ? { usage } : {}) }) });
      if (chat) await send({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
      let pending = Promise.resolve();
      try {
        const r = await engine.generate(parsed.request, parsed.seed, parsed.request.maxTokens, {
          signal: abort.signal,
          onText: (piece) => {
            pending = pending.then(() => send(chat ? { index: 0, delta: { content: piece }, finish_reason: null } : { index: 0, text: piece, finish_reason: null }));
          },
        });
        await pending;
        const finish = r.stopReason === 'max_tokens' ? 'length' : 'stop';
        const usage = { prompt_tokens: r.promptTokens, completion_tokens: r.tokens.length, total_tokens: r.promptTokens + r.tokens.length };
        await send(chat ? { index: 0, delta: {}, finish_reason: finish } : { index: 0, text: '', finish_reason: finish }, parsed.includeUsage ? usage : undefined);
        await sse.writeSSE({ data: '[DONE]' });
      } catch (err) {
        await pending.catch(() => undefined);
        if (!abort.signal.aborted) await sse.writeSSE({ data: JSON.stringify({ error: { message: (err as Error).message, type: 'server_error', param: null, code: null } }) });
      }
    });
  };

  app.post('/v1/completions', handle(false));
  app.post('/v1/chat/completions', handle(true));
  return app;
}

/** Serves `engines` on host:port (0 = a free port). */
export async function startOpenAIServer(engines: LlamaEngine[], opts: { host?: string; port?: number } = {}): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const app = openAIRoutes(new Hono(), engines);
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port: opts.port ?? 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://${host}:${info.port}/v1`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            const s = server as unknown as { close(cb: () => void): void; closeAllConnections?: () => void };
            s.close(() => done());
            s.closeAllConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
