/**
 * What `peer up` runs and where: the parts, their ports (one contiguous block from a base port),
 * their keypairs and the YAML configuration each part reads. Every file lives under one state
 * directory (default `.peer/up/`), so an operator can read exactly what each process was given.
 */
import { Keypair } from '@solana/web3.js';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

export const PARTS = ['localnet', 'attestation', 'workers', 'keepers', 'validators', 'gateway', 'dashboard'] as const;
export type Part = (typeof PARTS)[number];

export interface UpOptions {
  /** Repository root (where the services' entries are). */
  root: string;
  /** State directory: configs, keypairs, databases, logs. */
  stateDir: string;
  /** First port of the block; the local network's RPC listens on it. */
  basePort: number;
  /** `localnet` (started here) or an RPC URL of a running cluster. */
  cluster: 'localnet' | string;
  /** Parts to run (default: all). */
  parts: Part[];
  /** How many validator bots (separate processes, own keypairs); at least 3 for a quorum of 2. */
  validators: number;
  /** The dishonest demo worker's cheat rate (0 disables it). */
  cheatRate: number;
  /** Stop after the traffic instead of staying up. */
  exit: boolean;
}

/** Ports by offset from the base port. */
export interface Ports {
  rpc: number;
  ws: number;
  gateway: number;
  dashboard: number;
  keepers: number;
  attestation: number;
  workers: number[];
  validators: number[];
}

export function portsOf(base: number, validators: number): Ports {
  return {
    rpc: base,
    ws: base + 1,
    gateway: base + 2,
    dashboard: base + 3,
    keepers: base + 4,
    attestation: base + 5,
    workers: [base + 6, base + 7],
    validators: Array.from({ length: validators }, (_, i) => base + 8 + i),
  };
}

/** How many ports the block needs. */
export function portSpan(validators: number): number {
  return 8 + validators;
}

export const WALLET_NAMES = ['admin', 'keeper', 'gateway', 'client', 'staker', 'worker-honest', 'worker-cheater', 'attestation'] as const;
export type WalletName = (typeof WALLET_NAMES)[number] | `validator-${number}`;

export class Layout {
  readonly ports: Ports;
  readonly configDir: string;
  readonly keysDir: string;
  readonly dataDir: string;
  readonly logDir: string;

  constructor(readonly opts: UpOptions) {
    this.ports = portsOf(opts.basePort, opts.validators);
    this.configDir = join(opts.stateDir, 'config');
    this.keysDir = join(opts.stateDir, 'keys');
    this.dataDir = join(opts.stateDir, 'data');
    this.logDir = join(opts.stateDir, 'logs');
    for (const d of [this.configDir, this.keysDir, this.dataDir, this.logDir]) mkdirSync(d, { recursive: true });
  }

  get rpcUrl(): string {
    return this.opts.cluster === 'localnet' ? `http://127.0.0.1:${this.ports.rpc}` : this.opts.cluster;
  }

  get isLocal(): boolean {
    return this.opts.cluster === 'localnet';
  }

  url(port: number): string {
    return `http://127.0.0.1:${port}`;
  }

  validatorNames(): WalletName[] {
    return Array.from({ length: this.opts.validators }, (_, i) => `validator-${i + 1}` as WalletName);
  }

  keyPath(name: WalletName): string {
    return join(this.keysDir, `${name}.json`);
  }

  /**
   * Empties the data directory: on a fresh local network every database in it (the gateway's
   * ledger, the dashboard's index, the workers' and validators' journals) describes the previous
   * chain, and a second `npm start` would otherwise begin with, e.g., a spent demo key.
   */
  resetData(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
    mkdirSync(this.dataDir, { recursive: true });
  }

  /** The wallet's keypair: kept across runs on a real cluster (it holds funds), new on a fresh local network. */
  wallet(name: WalletName, fresh: boolean): Keypair {
    const path = this.keyPath(name);
    if (!fresh && existsSync(path)) return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(path, 'utf8')) as number[]));
    const kp = Keypair.generate();
    writeFileSync(path, JSON.stringify(Array.from(kp.secretKey)), { mode: 0o600 });
    return kp;
  }

  writeYaml(name: string, doc: unknown): string {
    const path = join(this.configDir, `${name}.yml`);
    writeFileSync(path, `# written by \`peer up\`: the configuration this part runs with\n${stringify(doc)}`, { mode: 0o600 });
    return path;
  }

  writeJson(name: string, doc: unknown): string {
    const path = join(this.configDir, name);
    writeFileSync(path, JSON.stringify(doc, null, 2), { mode: 0o600 });
    return path;
  }

  data(file: string): string {
    return resolve(this.dataDir, file);
  }
}
