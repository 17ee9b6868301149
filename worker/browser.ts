/**
 * The worker's surface for a browser tab (dashboard/tab/): the job runner, the endpoint routes,
 * the backend interface, execution profiles and prompt templates, without the native engine,
 * SQLite or the service, so that it bundles for the browser.
 */
export { JobRunner, Refusal, type JobRunnerOptions } from './jobs';
export { workerRoutes, workerMetrics, observeJob, type WorkerMetrics } from './endpoint';
export { BackendError, type Backend, type BackendModel, type GenerateOptions, type GenerateResult } from './backends';
export { DEFAULT_CONTEXT, DEFAULT_SAMPLER, makeProfile, profileIdHex, samplerSeed, WASM_ENGINE, type ExecutionProfile } from './profile';
export { renderPrompt } from './template';
export { Mutex } from './mutex';
export type { JobJournal, JobRow, JobRowState } from './store';
