/** What every Peer Cycles service shares: config, logs, metrics, HTTP ops routes, lifecycle, storage. */
export * from './config';
export * from './log';
export * from './metrics';
export * from './http';
export * from './lifecycle';
export * from './store';
export * from './cluster';
export * from './keypair';
