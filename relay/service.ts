/** `peer relay` and `peer proxy` as services: config, HTTP with /health and /metrics, clean stop. */
import { loadConfig, type ConfigOf } from '../service-kit/config';
import { startHttp } from '../service-kit/http';
import { createLogger, type Logger } from '../service-kit/log';
import { Metrics } from '../service-kit/metrics';
import { MintClient } from '../sdk/src/privacy/wallet';
import { PROXY_SCHEMA, RELAY_SCHEMA } from './config';
import { proxyApp } from './proxy';
import { relayApp } from './relay';
import { ProxyWallet } from './wallet';

export type RelayConfig = ConfigOf<typeof RELAY_SCHEMA>;
export type ProxyConfig = ConfigOf<typeof PROXY_SCHEMA>;

type Source = { file?: string; flags?: Record<string, unknown>; env?: NodeJS.ProcessEnv };

export const loadRelayConfig = (s: Source): RelayConfig => loadConfig({ service: 'relay', schema: RELAY_SCHEMA, ...s });
export const loadProxyConfig = (s: Source): ProxyConfig => loadConfig({ service: 'proxy', schema: PROXY_SCHEMA, ...s });

export interface RunningRelay {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startRelay(config: RelayConfig, opts: { log?: Logger } = {}): Promise<RunningRelay> {
  const log = opts.log ?? createLogger({ service: 'relay', format: config.log_format });
  const metrics = new Metrics();
  const keysUrl = config.keys_url ?? `${new URL(config.target_url).origin}/ohttp-keys`;
  const app = relayApp({ targetUrl: config.target_url, keysUrl, log, metrics, maxBodyBytes: config.max_body_bytes, timeoutMs: config.timeout_ms });
  const http = await startHttp({ service: 'relay', host: config.host, port: config.port, app, metrics, log, health: () => ({ ok: true, checks: { target: new URL(config.target_url).origin } }) });
  log.info('relay.started', { url: http.url, target: config.target_url });
  return {
    url: http.url,
    port: http.port,
    async stop() {
      await http.close();
      log.info('relay.stopped');
    },
  };
}

export interface RunningProxy extends RunningRelay {
  wallet?: ProxyWallet;
}

export async function startProxy(config: ProxyConfig, opts: { log?: Logger } = {}): Promise<RunningProxy> {
  const log = opts.log ?? createLogger({ service: 'proxy', format: config.log_format });
  const metrics = new Metrics();
  const wallet = config.mint_url ? new ProxyWallet(config.wallet, new MintClient(config.mint_url)) : undefined;
  if (wallet) {
    const r = await wallet.reconcile().catch(() => null);
    if (r && (r.spent || r.released)) log.info('wallet.reconciled', r);
  }
  const balance = metrics.gauge('proxy_wallet_credits', 'Credits in the local ecash wallet');
  const { app } = proxyApp({
    relayUrl: config.relay_url,
    keysUrl: config.keys_url ?? `${new URL(config.relay_url).origin}/ohttp-keys`,
    gatewayOrigin: config.gateway_origin,
    wallet,
    mintUrl: config.mint_url,
    log,
    metrics,
  });
  const http = await startHttp({
    service: 'proxy',
    host: config.host,
    port: config.port,
    app,
    metrics,
    log,
    health: () => {
      const b = wallet?.balance();
      if (b) balance.set(b.ready);
      return { ok: true, checks: { relay: new URL(config.relay_url).origin, wallet_credits: b?.ready ?? null } };
    },
  });
  log.info('proxy.started', { url: http.url, relay: config.relay_url, wallet_credits: wallet?.balance().ready ?? null });
  return {
    url: http.url,
    port: http.port,
    wallet,
    async stop() {
      await http.close();
      wallet?.close();
      log.info('proxy.stopped');
    },
  };
}
