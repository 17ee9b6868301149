/**
 * The privacy services: `peer mint` (ecash credits, Cashu NUTs over USDC on Solana),
 * `peer relay` (the Oblivious HTTP relay) and `peer proxy` (the local OpenAI-compatible proxy
 * that sends every request through the relay and pays in ecash). Each returns once the service
 * is starting; SIGINT/SIGTERM stop it and a bad configuration exits 2 with one line.
 */
import type { Command } from 'commander';
import { runMint } from '../../mint/main';
import { runProxy, runRelay } from '../../relay/main';
import { resolveUrl } from '../config';

/** The global `-C, --config` shadows `--config` written after the command word: take it back. */
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

/** camelCase commander options → the services' snake_case config keys (undefined dropped later). */
function snake(opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts)) if (k !== 'config' && v !== undefined) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  return out;
}

export function addPrivacyCommands(program: Command): void {
  program
    .command('mint')
    .description('run the ecash mint: Cashu NUT-01..07/09/12 endpoints, credits bought and redeemed in USDC on Solana (config: YAML, PEER_MINT_* env, flags)')
    .option('--config <file>', 'mint YAML config')
    .option('--port <n>', 'HTTP port (default 3338)')
    .option('--host <host>', 'HTTP host (default 127.0.0.1)')
    .option('--public-url <url>', 'the URL wallets reach this mint at')
    .option('--data-dir <dir>', 'database and key seed directory (default .peer/mint)')
    .option('--usdc-mint <address>', 'the USDC SPL mint')
    .option('--max-quote-credits <n>', 'largest mint or melt quote, in credits')
    .option('--rotate-keyset <bool>', 'start a new keyset (older ones stay redeemable)')
    .option('--log-format <format>', 'text or json')
    .action((opts: Record<string, unknown>, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as { url?: string; keypair?: string };
      runMint({
        file: (opts.config as string | undefined) ?? configAfter(cmd, 'mint'),
        flags: { ...snake(opts), rpc_url: globals.url ? resolveUrl(globals.url) : undefined, keypair: globals.keypair },
      });
    });

  program
    .command('relay')
    .description('run an Oblivious HTTP relay (RFC 9458): forwards encrypted requests to one gateway; sees addresses, never content (config: YAML, PEER_RELAY_* env, flags)')
    .option('--config <file>', 'relay YAML config')
    .option('--target-url <url>', "the gateway's encapsulated-request URL, e.g. http://127.0.0.1:8080/ohttp")
    .option('--keys-url <url>', "the gateway's key configuration URL")
    .option('--port <n>', 'HTTP port (default 8787)')
    .option('--host <host>', 'HTTP host (default 127.0.0.1)')
    .option('--log-format <format>', 'text or json')
    .action((opts: Record<string, unknown>, cmd: Command) => {
      runRelay({ file: (opts.config as string | undefined) ?? configAfter(cmd, 'relay'), flags: snake(opts) });
    });

  program
    .command('proxy')
    .description('run the local OpenAI-compatible proxy: every request goes through the relay, paid in ecash from a local wallet (point OPENAI_BASE_URL at it)')
    .option('--config <file>', 'proxy YAML config')
    .option('--relay-url <url>', 'the Oblivious Relay')
    .option('--keys-url <url>', "the gateway's key configuration (default: through the relay)")
    .option('--mint-url <url>', 'the ecash mint (for keys, receiving tokens and state checks)')
    .option('--wallet <file>', 'the ecash wallet (SQLite, default .peer/proxy-wallet.sqlite)')
    .option('--port <n>', 'HTTP port (default 8788)')
    .option('--host <host>', 'HTTP host (default 127.0.0.1; keep it loopback)')
    .option('--log-format <format>', 'text or json')
    .action((opts: Record<string, unknown>, cmd: Command) => {
      runProxy({ file: (opts.config as string | undefined) ?? configAfter(cmd, 'proxy'), flags: snake(opts) });
    });
}
