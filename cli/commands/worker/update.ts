/** `peer worker update`: change some of the worker's settings (the others are kept). */
import { ValidationError } from '../../../sdk/src/errors';
import { updateWorker } from '../../../sdk/src/flows/worker';
import { txOutput, type CommandContext, type TxOutput } from '../../common';
import { parseWorkerSettings, type WorkerSettingsArgs } from './options';

export type WorkerUpdateArgs = WorkerSettingsArgs;

export interface WorkerUpdateOutput {
  worker: string;
  changed: string[];
  tx: TxOutput;
}

export async function workerUpdateCommand(ctx: CommandContext, args: WorkerUpdateArgs): Promise<WorkerUpdateOutput> {
  const changes = parseWorkerSettings(args);
  const changed = Object.keys(changes);
  if (changed.length === 0) throw new ValidationError('nothing to update: pass --tier, --model, --price, --capacity, --endpoint or --encryption-key');
  const r = await updateWorker(ctx.peer, changes);
  return { worker: r.worker.toBase58(), changed, tx: txOutput(r.tx) };
}
