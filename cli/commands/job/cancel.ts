/** `peer job cancel <job>`: cancel a job nobody took yet (credits unlock, rent returns). */
import { cancelJob } from '../../../sdk/src/flows/client';
import { parseAddress, txOutput, type CommandContext, type TxOutput } from '../../common';

export interface JobCancelArgs {
  job: string;
}

export interface JobCancelOutput {
  job: string;
  tx: TxOutput;
}

export async function jobCancelCommand(ctx: CommandContext, args: JobCancelArgs): Promise<JobCancelOutput> {
  const job = parseAddress(args.job, 'job');
  const r = await cancelJob(ctx.peer, { job });
  return { job: r.job.toBase58(), tx: txOutput(r.tx) };
}
