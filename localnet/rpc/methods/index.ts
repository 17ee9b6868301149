/** Every JSON-RPC method the HTTP server answers, by name. */
import type { Handler } from '../context';
import { accountMethods } from './accounts';
import { blockMethods } from './blocks';
import { clusterMethods } from './cluster';
import { devMethods } from './dev';
import { networkMethods } from './network';
import { tokenMethods } from './tokens';
import { transactionMethods } from './transactions';

export const RPC_METHODS: Readonly<Record<string, Handler>> = Object.freeze({
  ...clusterMethods,
  ...blockMethods,
  ...networkMethods,
  ...accountMethods,
  ...tokenMethods,
  ...transactionMethods,
  ...devMethods,
});

export function isRpcMethod(name: string): boolean {
  return Object.hasOwn(RPC_METHODS, name);
}
