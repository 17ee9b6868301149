/**
 * CLI fixture: the SDK fixture (real programs in bankrun), a temporary home with keypair files,
 * the command functions' context for an actor, and `run(argv)` = the whole CLI in-process with
 * the bankrun transport injected (the subprocess tests use no chain).
 */
import type { Keypair } from '@solana/web3.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext } from '../../sdk/src';
import type { CommandContext } from '../../cli/common';
import { runCli } from '../../cli/program';
import { sdkFixture, type Actor, type SdkFixture } from '../sdk/helpers';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The RPC URL the CLI resolved. */
  url: string | null;
}

export interface CliFixture extends SdkFixture {
  home: string;
  /** Writes the actor's keypair to a file; returns its path. */
  keypairFile(keypair: Keypair, name?: string): string;
  /** The context the command functions take, acting as `actor`. */
  cmd(actor: Actor): CommandContext;
  /** Runs `peer <argv>` in-process against bankrun. */
  run(argv: string[], opts?: { home?: string }): Promise<CliRun>;
}

export function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'peer-cli-'));
  mkdirSync(join(home, '.config', 'solana', 'cli'), { recursive: true });
  return home;
}

export async function cliFixture(opts: { initialize?: boolean } = {}): Promise<CliFixture> {
  const fx = await sdkFixture(opts);
  const home = tempHome();
  const cli: CliFixture = Object.assign(fx, {
    home,
    keypairFile(keypair: Keypair, name = `${keypair.publicKey.toBase58()}.json`) {
      const path = join(home, name);
      writeFileSync(path, JSON.stringify([...keypair.secretKey]));
      return path;
    },
    cmd(actor: Actor): CommandContext {
      return { peer: createContext({ transport: fx.transport, wallet: actor.keypair }), cwd: home };
    },
    async run(argv: string[], opts: { home?: string } = {}): Promise<CliRun> {
      let stdout = '';
      let stderr = '';
      let url: string | null = null;
      const code = await runCli(argv, {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        home: opts.home ?? home,
        cwd: opts.home ?? home,
        transport: (u) => {
          url = u;
          return fx.transport;
        },
      });
      return { code, stdout, stderr, url };
    },
  });
  return cli;
}

/** The recursive shape of a JSON value: key → type name (arrays by their first element). */
export function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, shape(v)]));
  return typeof value;
}
