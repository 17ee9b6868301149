/** The gateway's surface for the CLI: run the service, manage API keys. */
import { ConfigError } from '../service-kit/config';
import { loadGatewayConfig } from './config';
import { Ledger } from './ledger';
export { runGateway } from './main';
export { startGateway, type Gateway } from './service';
export { loadGatewayConfig, GATEWAY_SCHEMA, type GatewayConfig } from './config';

/**
 * Creates an API key in the gateway's database (the key is shown once; only its hash is kept).
 * `credits`: a grant the gateway buys on chain from its own USDC when it next runs its writer.
 */
export function createApiKey(opts: { file?: string; flags?: Record<string, unknown>; label: string; credits?: number }): { key: string; account: string; credits: number } {
  const config = loadGatewayConfig({ file: opts.file, flags: opts.flags });
  if (config.local) throw new ConfigError('gateway: local mode uses no API keys');
  if (!/^[\w .-]{1,64}$/.test(opts.label)) throw new ConfigError('--label must be 1 to 64 letters, digits, spaces, _ . or -');
  const credits = opts.credits ?? 0;
  if (!Number.isInteger(credits) || credits < 0 || credits > 1_000_000) throw new ConfigError('--credits must be a whole number from 0 to 1000000');
  const ledger = new Ledger(config.db);
  try {
    const { key, accountId } = ledger.createKeyAccount(opts.label);
    if (credits > 0) ledger.grant(accountId, BigInt(credits), `key:${accountId}`);
    return { key, account: accountId, credits };
  } finally {
    ledger.close();
  }
}

export function revokeApiKey(opts: { file?: string; flags?: Record<string, unknown>; key: string }): boolean {
  const config = loadGatewayConfig({ file: opts.file, flags: opts.flags });
  const ledger = new Ledger(config.db);
  try {
    return ledger.revokeKey(opts.key);
  } finally {
    ledger.close();
  }
}
