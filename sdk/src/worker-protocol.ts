/**
 * (Defined in the SDK so its worker client can use it; worker/protocol.ts re-exports it for the
 * worker and the gateway.)
 *
 * The worker endpoint's wire format (imported by the SDK's worker client and the gateway).
 *
 * POST {endpoint}/v1/jobs
 *   body (JSON, at most MAX_SUBMIT_BYTES): SubmitJobBody
 *   Accept: text/event-stream (default) → an SSE stream of JobEvent:
 *     event: accepted  data: AcceptedEvent          the job checked out; generation starts
 *     event: chunk     data: base64 stream frame     encrypted text (sdk/src/crypto/stream.ts)
 *     event: result    data: JobResultEvent         sealed result + on-chain transaction
 *     event: error     data: ErrorBody              the job failed after it was accepted
 *   Accept: application/json → one JobResultEvent (200) when done.
 *   Before anything is accepted, a refusal is a plain JSON ErrorBody with an HTTP status:
 *     400 bad_request / bad_envelope, 413 too_large, 404 job_not_found, 403 not_assigned,
 *     409 not_yet_claimable (with retry_after_s) / in_progress / already_submitted,
 *     422 commitment_mismatch / unsupported_model / too_long, 503 at_capacity / chain_unavailable.
 *   A refused request changes nothing on chain.
 *
 * GET {endpoint}/v1/jobs/:job/result → JobResultEvent once submitted (404 before), so a client
 *   whose connection dropped (or a worker restarted after kill -9) still gets its sealed result.
 * GET {endpoint}/v1/models → ModelsResponse (profiles, prices, capacity).
 * GET /health, GET /metrics (Prometheus text).
 */
import type { Tier } from './accounts/market';

export const PROTOCOL_VERSION = 1;
/** Largest POST body: a 64 KiB request, base64, plus the envelope header and JSON. */
export const MAX_SUBMIT_BYTES = 96 * 1024;

export interface SubmitJobBody {
  /** The job account, base58. */
  job: string;
  /** The prompt envelope (version 2, sealed to this worker or its enclave), base64. */
  envelope: string;
}

export interface AcceptedEvent {
  job: string;
  worker: string;
  tier: Tier;
  /** The on-chain model id (hex). */
  model: string;
  /** Whether this worker claimed the job itself to serve this request (pinned, claim delay passed). */
  claimed: boolean;
  /** Jobs ahead of this one on the model. */
  queued: number;
}

export interface JobResultEvent {
  job: string;
  worker: string;
  /** The result envelope sealed to the client's reply key, base64. */
  envelope: string;
  /** sha256 of the output (hex), as committed on chain. */
  outputHash: string;
  /** The submit_result transaction. */
  signature: string;
  /** Confidential jobs: the enclave's ed25519 signature over job ‖ output_hash, base64. */
  enclaveSignature: string | null;
  /** Whether that enclave is hardware-attested (false: a dev enclave, NOT hardware-attested). */
  enclaveAttested: boolean | null;
  completionTokens: number;
  promptTokens: number;
  stopReason: 'eog' | 'max_tokens' | 'stop';
}

export type ErrorCode =
  | 'bad_request'
  | 'bad_envelope'
  | 'too_large'
  | 'job_not_found'
  | 'not_assigned'
  | 'not_yet_claimable'
  | 'in_progress'
  | 'already_submitted'
  | 'commitment_mismatch'
  | 'unsupported_model'
  | 'too_long'
  | 'at_capacity'
  | 'chain_unavailable'
  | 'generation_failed'
  | 'submit_failed'
  | 'not_found'
  /** A browser-tab worker whose tab is not connected to its bridge (dashboard/bridge.ts). */
  | 'worker_offline';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; retry_after_s?: number };
}

export interface ModelInfo {
  /** The on-chain model id, hex (an execution profile id, or a hosted model id for ghost nodes). */
  id: string;
  object: 'model';
  /** Human name (profile name or hosted model name). */
  name: string;
  owned_by: string;
  backend: 'llama' | 'upstream' | 'ghost' | 'wasm';
  /** Whether re-execution reproduces the bytes (false: open tier only). */
  deterministic: boolean;
  tiers: Tier[];
  /** Credits per job per tier. */
  prices: Partial<Record<Tier, string>>;
  /** The pinned execution profile (canonical JSON), or null. */
  profile: unknown;
  capacity: number;
  active_jobs: number;
  queued: number;
}

export interface ModelsResponse {
  object: 'list';
  worker: string | null;
  protocol: number;
  data: ModelInfo[];
}

export function errorBody(code: ErrorCode, message: string, retryAfterS?: number): ErrorBody {
  return { error: { code, message, ...(retryAfterS !== undefined ? { retry_after_s: retryAfterS } : {}) } };
}
