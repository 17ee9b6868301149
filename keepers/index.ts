/**
 * The keepers' public surface for other services (the dashboard and gateway rank workers with
 * the same score the matcher uses) and for the CLI.
 */
export * from './quality';
export { loadKeepersConfig, keepersSchema, BOT_NAMES, type BotName, type KeepersConfig } from './config';
export { startKeepers, type KeepersService, type StartKeepersOptions } from './service';
export { runKeepers, parseArgs as parseKeeperArgs, type KeeperRunOptions } from './main';
