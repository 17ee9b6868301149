/** `peer relay` and `peer proxy` configuration: YAML file + `PEER_RELAY_*` / `PEER_PROXY_*` env + flags. */
import type { Schema } from '../service-kit/config';

export const RELAY_SCHEMA = {
  host: { type: 'string', default: '127.0.0.1', doc: 'address to listen on' },
  port: { type: 'int', default: 8787, min: 0, max: 65535, doc: 'HTTP port (0 picks a free one)' },
  target_url: { type: 'url', required: true, doc: "the gateway's encapsulated-request URL (…/ohttp)" },
  keys_url: { type: 'url', doc: "the gateway's key configuration URL; default: target_url's origin + /ohttp-keys" },
  max_body_bytes: { type: 'int', default: 4 * 1024 * 1024, min: 1024, max: 64 * 1024 * 1024, doc: 'largest encapsulated request relayed' },
  timeout_ms: { type: 'int', default: 120_000, min: 100, max: 600_000, doc: 'how long to wait for the gateway' },
  log_format: { type: 'enum', values: ['text', 'json'] as const, default: 'text', doc: 'log line format' },
} satisfies Schema;

export const PROXY_SCHEMA = {
  host: { type: 'string', default: '127.0.0.1', doc: 'address to listen on (keep it loopback: the proxy pays from your wallet)' },
  port: { type: 'int', default: 8788, min: 0, max: 65535, doc: 'HTTP port (0 picks a free one)' },
  relay_url: { type: 'url', required: true, doc: 'the Oblivious Relay to send through' },
  keys_url: { type: 'url', doc: "the gateway's key configuration; default: relay_url's origin + /ohttp-keys (fetched through the relay)" },
  gateway_origin: { type: 'url', default: 'http://gateway', doc: 'the origin the inner requests name (the gateway routes by path)' },
  mint_url: { type: 'url', doc: 'the ecash mint (for keys, receiving tokens and state checks); without it the proxy does not pay' },
  wallet: { type: 'string', default: '.peer/proxy-wallet.sqlite', doc: 'the ecash wallet (SQLite)' },
  log_format: { type: 'enum', values: ['text', 'json'] as const, default: 'text', doc: 'log line format' },
} satisfies Schema;
