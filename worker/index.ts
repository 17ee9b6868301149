/**
 * The worker's public surface (what other services and the CLI import):
 * the service entry, the pure re-execution function validators use, execution profiles, and
 * the endpoint's wire format.
 */
export { runWorker, flagsOf, parseArgs, type WorkerStartOptions } from './main';
export { startWorker, createBackend, type RunningWorker, type StartWorkerOptions } from './service';
export { loadWorkerConfig, DEMO_MODEL_PATH, type WorkerConfig } from './config';
export { execute, loadEngine, closeEngines, findWeights, LlamaEngine, EngineError, fileSha256, type ExecuteResult } from './engine';
export * from './profile';
export { renderPrompt } from './template';
export * from './protocol';
export { startOpenAIServer, openAIRoutes } from './openai-server';
export { alterAnswer } from './jobs';
