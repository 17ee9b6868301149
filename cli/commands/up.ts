/**
 * `peer up` (what `npm start` runs): the whole network on this machine, each part its own
 * supervised process — local network, attestation authority, two workers serving the demo model
 * (one honest, one that sometimes alters its answers), keepers (matcher, cranks), validator bots,
 * gateway, dashboard — then real traffic and a timeline read from the chain. Ctrl-C stops every
 * child; `--exit` stops after the traffic.
 */
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { driveTraffic, printSummary, startUp, type Network } from '../up/driver';
import { PARTS, portSpan, type Part } from '../up/layout';
import { PortBusyError } from '../up/supervisor';

export interface UpFlags {
  exit?: boolean;
  basePort?: string;
  state?: string;
  validators?: string;
  cheatRate?: string;
  parts?: string;
  traffic?: boolean;
}

export class UpUsageError extends Error {}

function intFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UpUsageError(`--${name} must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function upOptions(flags: UpFlags, cluster: string | undefined, root: string, cwd: string) {
  const validators = intFlag('validators', flags.validators, 3, 2, 8);
  const basePort = intFlag('base-port', flags.basePort, 8899, 1024, 65_535 - portSpan(validators));
  let cheatRate = 0.5;
  if (flags.cheatRate !== undefined) {
    cheatRate = Number(flags.cheatRate);
    if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(flags.cheatRate)) throw new UpUsageError(`--cheat-rate must be a probability within 0..1, got ${JSON.stringify(flags.cheatRate)}`);
  }
  let parts: Part[] = [...PARTS];
  if (flags.parts !== undefined) {
    parts = flags.parts.split(',').map((p) => p.trim()) as Part[];
    const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
    if (unknown.length) throw new UpUsageError(`--parts: unknown part ${unknown.join(', ')} (${PARTS.join(', ')})`);
  }
  const local = cluster === undefined || cluster === 'localnet' || cluster === 'l';
  return {
    root,
    stateDir: resolve(cwd, flags.state ?? '.peer/up'),
    basePort,
    cluster: local ? 'localnet' : cluster!,
    parts,
    validators,
    cheatRate,
    exit: Boolean(flags.exit),
  };
}

/** Runs `peer up`; resolves with the exit code once everything stopped (or never, until Ctrl-C). */
export async function runUp(flags: UpFlags, cluster: string | undefined, deps: { root: string; cwd: string; say: (line: string) => void; err: (line: string) => void }): Promise<number> {
  let opts: ReturnType<typeof upOptions>;
  try {
    opts = upOptions(flags, cluster, deps.root, deps.cwd);
  } catch (err) {
    deps.err(`error: ${(err as Error).message}`);
    return 2;
  }
  deps.say('Peer Cycles — the whole network on this machine (peer up). Every part is its own process; logs in ' + join(opts.stateDir, 'logs'));
  let net: Network | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= (async () => {
    deps.say('stopping every part…');
    await net?.stop();
  })());
  const onSignal = () => void stop().then(() => process.exit(0));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    net = await startUp(opts, deps.say);
    const report = await driveTraffic(net, deps.say);
    await printSummary(net, report, deps.say);
    if (opts.exit) {
      await stop();
      return report.conservation.holds ? 0 : 1;
    }
    await new Promise<never>(() => undefined); // until Ctrl-C
    return 0;
  } catch (err) {
    deps.err(err instanceof PortBusyError ? `error: ${err.message}` : `peer up failed: ${(err as Error).message.split('\n')[0]}`);
    await stop();
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The repository root (where every service's entry is). */
const ROOT = join(__dirname, '..', '..');

export function addUpCommand(program: Command, root = ROOT): void {
  program
    .command('up')
    .description('run the whole network on this machine (local network, workers with the demo model, keepers, validators, gateway, dashboard), drive real traffic, print the timeline')
    .option('--exit', 'stop after the traffic instead of staying up')
    .option('--base-port <n>', 'first port of the block the parts listen on (RPC; WebSocket +1, gateway +2, dashboard +3, keepers +4, attestation +5, workers +6/+7, validators +8…)', '8899')
    .option('--state <dir>', 'state directory: configs, keypairs, databases, logs', '.peer/up')
    .option('--validators <n>', 'validator bots, each its own process and keypair (quorum n-1)', '3')
    .option('--cheat-rate <p>', "the dishonest demo worker's share of altered answers", '0.5')
    .action(async (flags: UpFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as { url?: string };
      const code = await runUp(flags, globals.url, {
        root,
        cwd: process.cwd(),
        say: (l) => process.stdout.write(`${l}\n`),
        err: (l) => process.stderr.write(`${l}\n`),
      });
      process.exit(code);
    });
}
