/**
 * Errors in OpenAI's shape: `{"error":{"message","type","param","code"}}` with the HTTP status
 * OpenAI uses for the same case, so existing clients (the openai npm client) raise their usual
 * error classes. Messages never carry a key, a secret or a stack.
 */
export type OpenAIErrorType = 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'not_found_error' | 'insufficient_quota' | 'server_error' | 'rate_limit_error';

export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string | null };
}

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: OpenAIErrorType,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Extra response headers (x402's PAYMENT-REQUIRED). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  body(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalid = (message: string, param: string | null = null, code: string | null = 'invalid_value'): GatewayError =>
  new GatewayError(400, message, 'invalid_request_error', code, param);

export const unauthorized = (message: string, code = 'invalid_api_key'): GatewayError => new GatewayError(401, message, 'invalid_request_error', code);

export const notFound = (message: string, param: string | null = null, code = 'not_found'): GatewayError =>
  new GatewayError(404, message, 'invalid_request_error', code, param);

export const unavailable = (message: string, code = 'no_worker'): GatewayError => new GatewayError(503, message, 'server_error', code);

export const upstream = (message: string, code = 'worker_failed'): GatewayError => new GatewayError(502, message, 'server_error', code);

export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new GatewayError(500, `internal error: ${message}`, 'server_error', 'internal_error');
}
