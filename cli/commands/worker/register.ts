/** `peer worker register`: register the keypair as a worker. */
import bs58 from 'bs58';
import { ValidationError } from '../../../sdk/src/errors';
import { registerWorker } from '../../../sdk/src/flows/worker';
import { txOutput, type CommandContext, type TxOutput } from '../../common';
import { parseWorkerSettings, type WorkerSettingsArgs } from './options';

export type WorkerRegisterArgs = WorkerSettingsArgs;

export interface WorkerRegisterOutput {
  worker: string;
  bondVault: string;
  encryptionKey: string;
  tx: TxOutput;
}

export async function workerRegisterCommand(ctx: CommandContext, args: WorkerRegisterArgs): Promise<WorkerRegisterOutput> {
  const s = parseWorkerSettings(args);
  for (const [key, flag] of [
    ['tiers', '--tier'],
    ['models', '--model'],
    ['prices', '--price'],
    ['endpoint', '--endpoint'],
  ] as const) {
    if (s[key] === undefined) throw new ValidationError(`${flag} is required`);
  }
  const r = await registerWorker(ctx.peer, {
    tiers: s.tiers!,
    models: s.models!,
    prices: s.prices!,
    capacity: s.capacity ?? 1,
    endpoint: s.endpoint!,
    encryptionKey: s.encryptionKey,
  });
  return { worker: r.worker.toBase58(), bondVault: r.bondVault.toBase58(), encryptionKey: bs58.encode(r.encryptionKey), tx: txOutput(r.tx) };
}
