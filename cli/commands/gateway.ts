/**
 * `peer gateway`: the OpenAI-compatible gateway (gateway/) as a long-running service, and
 * `peer gateway keys create|revoke` to manage its API keys. `--local` runs it on the user's own
 * machine with the user's keypair (credits bought and jobs posted as the user, no API keys).
 */
import type { Command } from 'commander';
import { createApiKey, revokeApiKey, runGateway } from '../../gateway';
import { resolveUrl } from '../config';

interface GatewayFlags {
  config?: string;
  port?: string;
  host?: string;
  db?: string;
  local?: boolean;
  assign?: string;
  maxPrice?: string;
  tier?: string;
  x402?: boolean;
  demoKey?: string;
  demoCredits?: string;
  logFormat?: string;
}

/** The global `-C, --config` shadows `--config` written after `gateway`: take it back. */
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

function flagsOf(opts: GatewayFlags, globals: { url?: string; keypair?: string }): Record<string, unknown> {
  return {
    port: opts.port,
    host: opts.host,
    db: opts.db,
    local: opts.local,
    assign: opts.assign,
    max_price: opts.maxPrice,
    default_tier: opts.tier,
    x402: opts.x402,
    demo_key: opts.demoKey,
    demo_credits: opts.demoCredits,
    log_format: opts.logFormat,
    rpc_url: globals.url ? resolveUrl(globals.url) : undefined,
    keypair: globals.keypair,
  };
}

export function addGatewayCommands(program: Command, print: (cmd: Command, output: unknown) => void): void {
  const gateway = program
    .command('gateway')
    .description('run the OpenAI-compatible gateway: /v1/chat/completions (SSE), /v1/models, credits by API key or per request over x402 (config: YAML, PEER_GATEWAY_* env, flags)')
    .option('--config <file>', 'gateway YAML config')
    .option('--port <n>', 'HTTP port [8787]')
    .option('--host <host>', 'HTTP host [127.0.0.1]')
    .option('--db <file>', 'SQLite file for accounts, keys, holds and payments')
    .option('--local', "run on your own machine with your own keypair: credits and jobs on chain as you, prompts never pass a third party")
    .option('--assign <mode>', 'self (the gateway is a registered matcher) or matcher (wait for a keeper)')
    .option('--max-price <credits>', 'most credits a request may lock by default')
    .option('--tier <tier>', 'default tier: open, verified or confidential')
    .option('--no-x402', 'answer unpaid requests with 401 instead of x402 payment requirements')
    .option('--demo-key <key>', 'create this API key at start (for a demo)')
    .option('--demo-credits <n>', 'credits the demo key gets, bought on chain from the gateway\'s USDC, once')
    .option('--log-format <format>', 'text or json')
    .action((opts: GatewayFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as { url?: string; keypair?: string };
      // commander sets x402 to true by default (the --no- form); pass it only when turned off.
      runGateway({ file: opts.config ?? configAfter(cmd, 'gateway'), flags: flagsOf({ ...opts, x402: opts.x402 === false ? false : undefined }, globals) });
    });
  const keys = gateway.command('keys').description("manage the gateway's API keys (only their hashes are stored)");
  keys
    .command('create')
    .description('create an API key (printed once) with an optional credit grant')
    .option('--config <file>', 'gateway YAML config (for the database path)')
    .option('--db <file>', 'SQLite file')
    .option('--label <text>', 'a name for the key', 'default')
    .option('--credits <n>', 'credits to grant, bought on chain from the gateway\'s USDC when it runs', '0')
    .action((opts: { config?: string; db?: string; label: string; credits: string }, cmd: Command) => {
      const credits = Number(opts.credits);
      const created = createApiKey({ file: opts.config ?? configAfter(cmd, 'create'), flags: { db: opts.db }, label: opts.label, credits });
      print(cmd, { key: created.key, account: created.account, credits: String(created.credits), note: 'shown once: the gateway keeps only its hash' });
    });
  keys
    .command('revoke <key>')
    .description('revoke an API key')
    .option('--config <file>', 'gateway YAML config (for the database path)')
    .option('--db <file>', 'SQLite file')
    .action((key: string, opts: { config?: string; db?: string }, cmd: Command) => {
      const revoked = revokeApiKey({ file: opts.config ?? configAfter(cmd, 'revoke'), flags: { db: opts.db }, key });
      print(cmd, { revoked });
    });
}
