/** `peer mint` configuration: YAML file + `PEER_MINT_*` env + flags (service-kit). */
import type { Schema } from '../service-kit/config';

export const MINT_SCHEMA = {
  host: { type: 'string', default: '127.0.0.1', doc: 'address to listen on' },
  port: { type: 'int', default: 3338, min: 0, max: 65535, doc: 'HTTP port (0 picks a free one)' },
  public_url: { type: 'url', doc: 'the URL wallets reach this mint at (tokens name it); default http://<host>:<port>' },
  data_dir: { type: 'string', default: '.peer/mint', doc: 'where the SQLite database and the key seed live' },
  seed_file: { type: 'string', doc: 'file with the 32-byte key seed in hex (created on first start); default <data_dir>/seed.hex' },
  rpc_url: { type: 'url', default: 'http://127.0.0.1:8899', doc: 'Solana JSON-RPC URL' },
  usdc_mint: { type: 'string', required: true, doc: 'the USDC SPL mint address' },
  keypair: { type: 'string', default: '~/.config/solana/id.json', doc: "the mint's Solana wallet (pays melts, owns the USDC account)" },
  max_quote_credits: { type: 'int', default: 1_000_000, min: 1, max: 2 ** 31, doc: 'largest amount one mint or melt quote may carry' },
  quote_ttl_s: { type: 'int', default: 3600, min: 30, max: 7 * 86400, doc: 'how long a quote stays open' },
  rotate_keyset: { type: 'bool', default: false, doc: 'start a new keyset at start-up (older ones stay redeemable)' },
  log_format: { type: 'enum', values: ['text', 'json'] as const, default: 'text', doc: 'log line format' },
} satisfies Schema;
