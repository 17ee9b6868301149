/**
 * JSON-RPC 2.0 framing shared by the HTTP and WebSocket servers: parse errors, invalid requests,
 * unknown methods, batches, notifications (no `id`, no reply). Handlers throw RpcError for
 * client errors; anything else becomes an internal error and is logged, never a crash.
 */
import { stringifyJson } from '../encoding/json';
import { INTERNAL_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, RpcError } from './errors';

export type Id = string | number | null;

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: Id;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** Handles one request; `id` and `method` have already been checked. */
export type Dispatch = (method: string, params: unknown, id: Id) => unknown;

export interface FramingOptions {
  maxBatch: number;
  log: (line: string) => void;
}

export function errorResponse(id: Id, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

function validId(id: unknown): id is Id {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

export class JsonRpcFraming {
  constructor(
    private readonly dispatch: Dispatch,
    private readonly knows: (method: string) => boolean,
    private readonly opts: FramingOptions,
  ) {}

  /** One request object → its response, or null for a notification. */
  async handleOne(req: unknown): Promise<JsonRpcResponse | null> {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) return errorResponse(null, INVALID_REQUEST, 'Invalid request');
    const r = req as Record<string, unknown>;
    const isNotification = !('id' in r);
    const id: Id = validId(r.id) ? r.id : null;
    if (r.jsonrpc !== '2.0' || typeof r.method !== 'string' || (!isNotification && !validId(r.id))) {
      return errorResponse(id, INVALID_REQUEST, 'Invalid request');
    }
    if ('params' in r && r.params !== null && typeof r.params !== 'object') {
      return isNotification ? null : errorResponse(id, INVALID_REQUEST, 'Invalid request: params must be an array or an object');
    }
    if (!this.knows(r.method)) return isNotification ? null : errorResponse(id, METHOD_NOT_FOUND, 'Method not found');
    try {
      const result = await this.dispatch(r.method, r.params, id);
      return isNotification ? null : { jsonrpc: '2.0', result: result === undefined ? null : result, id };
    } catch (err) {
      if (err instanceof RpcError) return isNotification ? null : errorResponse(id, err.code, err.message, err.data);
      this.opts.log(`internal error in ${r.method}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return isNotification ? null : errorResponse(id, INTERNAL_ERROR, `Internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** A request body → the response body, or null when nothing is to be sent back. */
  async handleText(text: string): Promise<string | null> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return stringifyJson(errorResponse(null, PARSE_ERROR, 'Parse error'));
    }
    if (Array.isArray(body)) {
      if (body.length === 0) return stringifyJson(errorResponse(null, INVALID_REQUEST, 'Invalid request: empty batch'));
      if (body.length > this.opts.maxBatch) {
        return stringifyJson(errorResponse(null, INVALID_REQUEST, `Invalid request: batch of ${body.length} exceeds the limit of ${this.opts.maxBatch}`));
      }
      // Each request runs synchronously up to its first await, so the batch executes in order;
      // only the waits for durability overlap (and share one fsync).
      const out = (await Promise.all(body.map((req) => this.handleOne(req)))).filter((r): r is JsonRpcResponse => r !== null);
      return out.length > 0 ? stringifyJson(out) : null;
    }
    const res = await this.handleOne(body);
    return res ? stringifyJson(res) : null;
  }
}
