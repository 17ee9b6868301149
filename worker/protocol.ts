/**
 * The worker endpoint's wire format: POST /v1/jobs (SSE of accepted / chunk / result / error),
 * GET /v1/jobs/:job/result, GET /v1/models. The definitions live in the SDK
 * (sdk/src/worker-protocol.ts, documented there) because the SDK's worker client speaks it and
 * the SDK imports no service; the worker and the gateway import them from here.
 */
export * from '../sdk/src/worker-protocol';
