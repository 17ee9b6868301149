/**
 * The attestation authority's configuration: a YAML file, `PEER_ATTESTATION_*` environment
 * variables and flags (flags > env > file > defaults), validated once at start.
 *
 * ```yaml
 * keypair: ./authority.json          # the authority's signing key (Solana keypair file); never logged
 * allow:                             # measurements it vouches for
 *   - sev-snp:<96 hex: the launch measurement>
 *   - tdx:<96 hex: MRTD>:<rtmr0>:<rtmr1>:<rtmr2>:*     # RTMRs optional, * = any
 *   - id:<64 hex: an on-chain measurement id>
 * allow_dev: false                   # vouch for DEV (not hardware-attested) enclaves: test networks only
 * ttl_seconds: 604800                # registrations expire after this, or when the VCEK/PCK does, whichever is first
 * snp: { min_bootloader: 0, min_tee: 0, min_snp: 0, min_microcode: 0 }
 * tdx: { min_tee_tcb_svn: "" }       # 32 hex digits, per-component minimum
 * host: 127.0.0.1
 * port: 8790
 * db: ./attestation.db               # every decision, for audit (SQLite)
 * ```
 */
import { Keypair } from '@solana/web3.js';
import bs58 from 'bs58';
import { existsSync, readFileSync } from 'node:fs';
import { parseAllowEntry } from '../sdk/src/attestation';
import { ConfigError, loadConfig, type ConfigOf, type Schema } from '../service-kit/config';

export const attestationSchema = {
  keypair: { type: 'string', required: true, doc: "the authority's signing keypair file (JSON array of 64 bytes, as solana-keygen writes); its public key is the market's attestation_authority" },
  allow: { type: 'list', default: [], doc: 'allowed measurements: sev-snp:<hex>, tdx:<mrtd>[:rtmr0:rtmr1:rtmr2:rtmr3], id:<64 hex>' },
  allow_dev: { type: 'bool', default: false, doc: 'also vouch for DEV enclaves (NOT hardware-attested; test networks only)' },
  ttl_seconds: { type: 'int', default: 7 * 86_400, min: 60, max: 365 * 86_400, doc: 'how long a registration lasts (capped by the signing certificate\'s validity)' },
  'snp.min_bootloader': { type: 'int', default: 0, min: 0, max: 255, doc: 'minimum SEV-SNP bootloader SPL' },
  'snp.min_tee': { type: 'int', default: 0, min: 0, max: 255, doc: 'minimum SEV-SNP TEE (PSP OS) SPL' },
  'snp.min_snp': { type: 'int', default: 0, min: 0, max: 255, doc: 'minimum SEV-SNP firmware SPL' },
  'snp.min_microcode': { type: 'int', default: 0, min: 0, max: 255, doc: 'minimum microcode SPL' },
  'tdx.min_tee_tcb_svn': { type: 'string', default: '', doc: 'minimum TDX TEE TCB SVN, 32 hex digits compared per byte (empty: none)' },
  host: { type: 'string', default: '127.0.0.1', doc: 'HTTP host' },
  port: { type: 'int', default: 8790, min: 0, max: 65_535, doc: 'HTTP port (0: any free port)' },
  db: { type: 'string', default: 'attestation.db', doc: 'SQLite file recording every decision' },
  max_body_bytes: { type: 'int', default: 65_536, min: 1_024, max: 1_048_576, doc: 'largest request body accepted' },
  log_format: { type: 'enum', values: ['text', 'json'], default: 'text', doc: 'log line format' },
} satisfies Schema;

export type AttestationConfig = ConfigOf<typeof attestationSchema>;

export function loadAttestationConfig(opts: { file?: string; flags?: Record<string, unknown>; env?: NodeJS.ProcessEnv }): AttestationConfig {
  const config = loadConfig({ service: 'attestation', schema: attestationSchema, file: opts.file, flags: opts.flags, env: opts.env ?? process.env });
  for (const entry of config.allow) {
    try {
      parseAllowEntry(entry);
    } catch (err) {
      throw new ConfigError(`attestation: allow: ${(err as Error).message.replace(/^malformed-evidence: /, '')}`);
    }
  }
  if (config['tdx.min_tee_tcb_svn'] !== '' && !/^[0-9a-f]{32}$/i.test(config['tdx.min_tee_tcb_svn'])) {
    throw new ConfigError('attestation: tdx.min_tee_tcb_svn must be 32 hex digits (or empty)');
  }
  if (config.allow.length === 0 && !config.allow_dev) {
    throw new ConfigError('attestation: allow is empty and allow_dev is false: this authority would refuse every enclave');
  }
  return config;
}

/** Reads the authority's keypair file; errors name the path, never the contents. */
export function loadAuthorityKeypair(path: string): Keypair {
  if (!existsSync(path)) throw new ConfigError(`attestation: keypair file not found: ${path}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`attestation: cannot read keypair file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  try {
    const bytes = text.startsWith('[') ? Uint8Array.from(JSON.parse(text) as number[]) : bs58.decode(text);
    if (bytes.length !== 64) throw new Error();
    return Keypair.fromSecretKey(bytes);
  } catch {
    throw new ConfigError(`attestation: invalid keypair file ${path}: expected a JSON array of 64 bytes`);
  }
}
