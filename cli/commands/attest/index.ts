/** `peer attest verify|serve`: check evidence files, run the attestation authority (attestation/). */
import type { Command } from 'commander';
import { runAttestation } from '../../../attestation/main';
import { attestVerifyCommand } from './verify';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The global -C/--config (Solana CLI config) takes a `--config` written after `serve`: take it back. */
function configAfter(cmd: Command, word: string): string | undefined {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const raw = (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
  const at = raw.indexOf(word);
  for (let i = at + 1; at >= 0 && i < raw.length; i++) {
    if (raw[i] === '--config') return raw[i + 1];
    if (raw[i].startsWith('--config=')) return raw[i].slice('--config='.length);
  }
  return undefined;
}

export function addAttestCommands(program: Command, print: (cmd: Command, output: unknown) => void): void {
  const attest = program.command('attest').description('confidential tier: verify SEV-SNP / TDX evidence, run the attestation authority');
  attest
    .command('verify')
    .description('verify an evidence file (JSON: kind, report, certChain, keys) to AMD\'s / Intel\'s roots; exit 0 if it verifies, 1 with the reason')
    .argument('<evidence-file>', 'evidence JSON file')
    .option('--allow <entry>', 'allowed measurement (repeatable): sev-snp:<hex>, tdx:<mrtd>[:rtmr0:rtmr1:rtmr2:rtmr3], id:<hex>, dev', collect)
    .option('--allow-dev', 'accept DEV evidence (NOT hardware-attested)')
    .option('--allow-debug', 'accept a guest that allows debugging (published samples only)')
    .option('--at <time>', 'verify at this ISO 8601 instant instead of now')
    .action((file: string, opts: { allow?: string[]; allowDev?: boolean; allowDebug?: boolean; at?: string }, cmd: Command) => {
      print(cmd, attestVerifyCommand(file, opts));
    });
  attest
    .command('serve')
    .description('run the attestation authority: POST /v1/attest, /health, /metrics (config: YAML file, PEER_ATTESTATION_* env, flags)')
    .option('--config <file>', 'attestation YAML config (keypair, allow, allow_dev, ttl_seconds, snp.*, tdx.*, host, port, db)')
    .option('--allow <list>', 'allowed measurements, comma-separated')
    .option('--allow-dev', 'vouch for DEV enclaves (NOT hardware-attested; test networks only)')
    .option('--ttl-seconds <n>', 'registration lifetime (capped by the VCEK/PCK validity)')
    .option('--port <n>', 'HTTP port')
    .option('--host <host>', 'HTTP host')
    .option('--db <file>', 'SQLite file of decisions')
    .option('--log-format <format>', 'text or json')
    .action((opts: { config?: string; allow?: string; allowDev?: boolean; ttlSeconds?: string; port?: string; host?: string; db?: string; logFormat?: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as { keypair?: string };
      runAttestation({ ...opts, config: opts.config ?? configAfter(cmd, 'serve'), keypair: globals.keypair });
    });
}
