/**
 * The child processes `peer up` supervises, each with the YAML file it reads. Every part is the
 * same service an operator runs alone (`peer worker start --config worker.yml`, `peer keeper run
 * --config keepers.yml`, …); here each is started through its service entry (`<service>/main.ts`).
 */
import type { Keypair } from '@solana/web3.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sdk from '../../sdk/src';
import { makeProfile } from '../../worker';
import type { ChildSpec } from './supervisor';
import type { Layout, WalletName } from './layout';

/** Readiness of a part that loads a model or deploys: generous on a busy machine. */
const SLOW_READY_MS = 300_000;

function node(layout: Layout, entry: string, args: string[]): string[] {
  return ['--import', 'tsx', join(layout.opts.root, entry), ...args];
}

export function demoModelPath(root: string): string {
  return join(root, 'worker', 'models', 'peer-demo.gguf');
}

/** The execution profile `peer worker start` serves the demo model under (validators re-execute it). */
export function demoProfile(root: string) {
  const weights = /^[0-9a-f]{64}/.exec(readFileSync(`${demoModelPath(root)}.sha256`, 'utf8'))![0];
  return makeProfile({ name: 'peer-demo', weightsSha256: weights, addBos: true });
}

export function localnetSpec(layout: Layout): ChildSpec & { restartArgs: string[] } {
  const ledger = layout.data('ledger');
  const base = ['--rpc-port', String(layout.ports.rpc), '--ws-port', String(layout.ports.ws), '--ledger', ledger, '--slot-ms', '100'];
  return {
    name: 'localnet',
    args: node(layout, 'localnet/main.ts', [...base, '--reset']),
    // After a crash the ledger on disk is the network: restart from it, never from genesis.
    restartArgs: node(layout, 'localnet/main.ts', base),
    cwd: layout.opts.root,
    ports: [layout.ports.rpc, layout.ports.ws],
    readyUrl: `${layout.rpcUrl}/health`,
    readyTimeoutMs: SLOW_READY_MS,
  };
}

export function attestationSpec(layout: Layout): ChildSpec {
  const file = layout.writeYaml('attestation', {
    keypair: layout.keyPath('attestation'),
    allow_dev: true,
    host: '127.0.0.1',
    port: layout.ports.attestation,
    db: layout.data('attestation.db'),
  });
  return {
    name: 'attestation',
    args: node(layout, 'attestation/main.ts', ['--config', file]),
    cwd: layout.opts.root,
    ports: [layout.ports.attestation],
    readyUrl: `${layout.url(layout.ports.attestation)}/health`,
    readyTimeoutMs: SLOW_READY_MS,
  };
}

export interface WorkerRole {
  name: 'worker-honest' | 'worker-cheater';
  port: number;
  cheatRate: number;
  /**
   * Serve the confidential tier on a DEV enclave (NO TEE on this machine: NOT hardware-attested),
   * vouched for by the attestation authority at this URL (it runs with allow_dev). The worker
   * then bonds the confidential minimum (5,000 $PEER) and registers its enclave key on chain.
   */
  devEnclaveAuthorityUrl?: string;
}

/** The confidential tier's minimum bond (sdk/src/flows/settings.ts minBond), in whole $PEER. */
export const CONFIDENTIAL_BOND = 5_000;

export function workerSpec(layout: Layout, role: WorkerRole): ChildSpec {
  const dev = Boolean(role.devEnclaveAuthorityUrl);
  const file = layout.writeYaml(role.name, {
    rpc: { url: layout.rpcUrl },
    keypair: layout.keyPath(role.name),
    http: { host: '127.0.0.1', port: role.port },
    store: { path: layout.data(`${role.name}.sqlite`) },
    backend: 'llama',
    llama: { model: demoModelPath(layout.opts.root), threads: 1 },
    market: {
      tiers: dev ? 'open,verified,confidential' : 'open,verified',
      capacity: 4,
      bond: dev ? String(CONFIDENTIAL_BOND) : '2000',
      register: true,
      self_claim: true,
      poll_ms: 500,
      claim_earnings_above: '1000000',
    },
    // DEV enclave: an ed25519 key in the worker's own memory, NOT hardware-attested (no TEE here).
    ...(dev ? { confidential: { enclave: 'dev', insecure_dev_enclave: true, authority_url: role.devEnclaveAuthorityUrl } } : {}),
    cheat: { rate: role.cheatRate },
  });
  return {
    name: role.name,
    args: node(layout, 'worker/main.ts', ['--config', file]),
    cwd: layout.opts.root,
    ports: [role.port],
    readyUrl: `${layout.url(role.port)}/health`,
    readyTimeoutMs: SLOW_READY_MS,
  };
}

function keepersDoc(layout: Layout, keypair: WalletName, port: number, bots: string, extra: Record<string, unknown> = {}) {
  return {
    global: { cluster: layout.rpcUrl, keypair: layout.keyPath(keypair), port, host: '127.0.0.1', confirm_poll_ms: 100, stop_timeout_ms: 5_000, log_format: 'json' },
    bots: { enabled: bots },
    matcher: { interval_ms: 500, probe_interval_ms: 2_000 },
    cranks: { interval_ms: 500, sweep_threshold: 1, sweep_interval_s: 60 },
    ...extra,
  };
}

export function keepersSpec(layout: Layout): ChildSpec {
  const file = layout.writeYaml('keepers', keepersDoc(layout, 'keeper', layout.ports.keepers, 'matcher,cranks'));
  return {
    name: 'keepers',
    args: node(layout, 'keepers/main.ts', ['--config', file]),
    cwd: layout.opts.root,
    ports: [layout.ports.keepers],
    readyUrl: `${layout.url(layout.ports.keepers)}/health`,
    readyTimeoutMs: SLOW_READY_MS,
  };
}

/** The signed registry of validator endpoints (clients send audit openings there; challengers forward). */
export function writeValidatorRegistry(layout: Layout, validators: Keypair[]): { path: string; registry: sdk.ValidatorRegistry } {
  const expiresAt = Math.floor(Date.now() / 1000) + 365 * 86_400;
  const registry: sdk.ValidatorRegistry = {
    version: 1,
    validators: validators.map((v, i) => sdk.signValidatorEntry({ authoritySecretKey: v.secretKey, endpoint: layout.url(layout.ports.validators[i]), expiresAt })),
  };
  return { path: layout.writeJson('validators.json', registry), registry };
}

export function validatorSpec(layout: Layout, index: number, registryPath: string, profilesPath: string): ChildSpec {
  const name = `validator-${index + 1}` as WalletName;
  const port = layout.ports.validators[index];
  const file = layout.writeYaml(name, {
    ...keepersDoc(layout, name, port, 'validator'),
    validator: { interval_ms: 500, store: layout.data(`${name}.sqlite`), audit_rate: 1, profiles: profilesPath, peers: registryPath, threads: 1 },
  });
  return {
    name,
    args: node(layout, 'keepers/main.ts', ['--config', file]),
    cwd: layout.opts.root,
    ports: [port],
    readyUrl: `${layout.url(port)}/health`,
    readyTimeoutMs: SLOW_READY_MS,
  };
}

export function writeProfiles(layout: Layout): string {
  return layout.writeJson('profiles.json', { profiles: [{ profile: demoProfile(layout.opts.root), model_path: demoModelPath(layout.opts.root) }] });
}

export function gatewaySpec(layout: Layout, demoKey: string, demoCredits: number): ChildSpec {
  const file = layout.writeYaml('gateway', {
    host: '127.0.0.1',
    port: layout.ports.gateway,
    rpc_url: layout.rpcUrl,
    keypair: layout.keyPath('gateway'),
    db: layout.data('gateway.db'),
    assign: 'matcher',
    max_tokens: 48,
    models: 'peer-demo',
    x402: true,
    'x402.network': 'devnet',
    demo_key: demoKey,
    demo_credits: demoCredits,
    // The honest worker's enclave is a DEV one (no TEE here): routed to only because this is a demo.
    confidential_allow_dev: true,
  });
  return {
    name: 'gateway',
    args: node(layout, 'gateway/main.ts', []),
    env: { PEER_GATEWAY_CONFIG: file },
    cwd: layout.opts.root,
    ports: [layout.ports.gateway],
    readyUrl: `${layout.url(layout.ports.gateway)}/health`,
    readyTimeoutMs: SLOW_READY_MS,
  };
}

export function dashboardSpec(layout: Layout, demoKey: string): ChildSpec {
  const file = layout.writeYaml('dashboard', {
    cluster: layout.rpcUrl,
    host: '127.0.0.1',
    port: layout.ports.dashboard,
    store: layout.data('dashboard.sqlite'),
    poll_ms: 500,
    models: 'peer-demo',
    gateway_url: layout.url(layout.ports.gateway),
    gateway_api_key: demoKey,
    // The local $PEER mint authority funds browser tabs that want to serve (local networks only).
    tab: { faucet_keypair: layout.keyPath('admin') },
  });
  return {
    name: 'dashboard',
    args: node(layout, 'dashboard/main.ts', ['--config', file]),
    cwd: layout.opts.root,
    ports: [layout.ports.dashboard],
    readyUrl: `${layout.url(layout.ports.dashboard)}/health`,
    readyTimeoutMs: SLOW_READY_MS,
  };
}
