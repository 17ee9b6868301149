/** `peer worker pause` / `peer worker resume`: stop or restart new assignments. */
import { pauseWorker, resumeWorker } from '../../../sdk/src/flows/worker';
import { txOutput, type CommandContext, type TxOutput } from '../../common';

export interface WorkerPauseOutput {
  worker: string;
  paused: boolean;
  tx: TxOutput;
}

export async function workerPauseCommand(ctx: CommandContext): Promise<WorkerPauseOutput> {
  const r = await pauseWorker(ctx.peer);
  return { worker: r.worker.toBase58(), paused: true, tx: txOutput(r.tx) };
}

export async function workerResumeCommand(ctx: CommandContext): Promise<WorkerPauseOutput> {
  const r = await resumeWorker(ctx.peer);
  return { worker: r.worker.toBase58(), paused: false, tx: txOutput(r.tx) };
}
