/**
 * What `peer up` prints after the traffic, read from the chain and the services' own logs: the
 * matcher's routing (worker and score per job), the answers, the audit (challenge, votes,
 * slash), conservation of the USDC vault, final balances, and how to try it yourself.
 */
import { PublicKey } from '@solana/web3.js';
import { existsSync, readFileSync } from 'node:fs';
import * as sdk from '../../sdk/src';
import { tokenBalance, type Chain } from './chain';
import type { Answer } from './traffic';

export const CREDIT_BASE_UNITS = 10_000n;

export interface Routing {
  job: string;
  worker: string;
  score: string;
  newcomer: boolean;
}

/** The matcher's assignments from the keepers' JSON log: job → worker and score. */
export function readRouting(logPath: string): Map<string, Routing> {
  const out = new Map<string, Routing>();
  if (!existsSync(logPath)) return out;
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const e = JSON.parse(line) as { action?: string; job?: string; worker?: string; score?: string; newcomer?: boolean };
      if (e.action === 'assign' && e.job && e.worker) out.set(e.job, { job: e.job, worker: e.worker, score: String(e.score ?? ''), newcomer: Boolean(e.newcomer) });
    } catch {
      // a partial line while the file is written
    }
  }
  return out;
}

export interface Conservation {
  vault: bigint;
  credits: bigint;
  earnings: bigint;
  fees: bigint;
  holds: boolean;
}

/** vault = (Σ credit balance + locked) × 10,000 + Σ unclaimed earnings + unswept fees. */
export async function conservation(chain: Chain): Promise<Conservation> {
  const programId = sdk.PEER_MARKET_PROGRAM_ID;
  const vaultInfo = await chain.connection.getTokenAccountBalance(sdk.findUsdcVaultPda(programId)[0], 'confirmed');
  const vault = BigInt(vaultInfo.value.amount);
  const credits = (await sdk.creditAccountAccount.query(chain.transport, [])).reduce((s, a) => s + BigInt(a.data.balance.toString()) + BigInt(a.data.locked.toString()), 0n);
  const earnings = (await sdk.queryWorkers(chain.transport)).reduce((s, w) => s + BigInt(w.data.earnings.toString()), 0n);
  const ledger = await sdk.fetchFeeLedger(chain.transport, sdk.findFeeLedgerPda(programId)[0]);
  const fees = BigInt(ledger.data.stakerFees.toString()) + BigInt(ledger.data.treasuryFees.toString());
  return { vault, credits, earnings, fees, holds: vault === credits * CREDIT_BASE_UNITS + earnings + fees };
}

export interface AuditOutcome {
  challenged: string[];
  /** Jobs whose challenge was resolved against the worker. */
  slashedBond: bigint;
  honestChallenged: boolean;
}

export interface BalanceRow {
  name: string;
  usdc: bigint;
  peer: bigint;
  extra: string;
}

export async function balances(chain: Chain, wallets: { name: string; key: PublicKey }[]): Promise<BalanceRow[]> {
  const rows: BalanceRow[] = [];
  for (const w of wallets) {
    let extra = '';
    if (w.name.startsWith('worker')) {
      const acc = await sdk.fetchMaybeWorker(chain.transport, sdk.findWorkerPda(w.key)[0]);
      if (acc) extra = `bond ${fmt(BigInt(acc.data.bond.toString()), 9)} $PEER, unclaimed ${fmt(BigInt(acc.data.earnings.toString()), 6)} USDC`;
    }
    if (w.name === 'gateway' || w.name === 'client') {
      const c = await sdk.fetchMaybeCreditAccount(chain.transport, sdk.findCreditAccountPda(w.key)[0]);
      if (c) extra = `credits ${c.data.balance.toString()} (+${c.data.locked.toString()} locked)`;
    }
    rows.push({ name: w.name, usdc: await tokenBalance(chain, chain.usdcMint, w.key), peer: await tokenBalance(chain, chain.peerMint, w.key), extra });
  }
  return rows;
}

export function fmt(amount: bigint, decimals: number): string {
  const unit = 10n ** BigInt(decimals);
  const whole = amount / unit;
  const frac = (amount % unit).toString().padStart(decimals, '0').replace(/0+$/, '').slice(0, 4);
  return `${whole.toLocaleString('en-US')}${frac ? `.${frac}` : ''}`;
}

export function quote(text: string, max = 70): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(t.length > max ? `${t.slice(0, max)}…` : t);
}

export function answerLine(a: Answer, routing: Map<string, Routing>, names: Map<string, string>): string {
  const r = routing.get(a.job);
  const worker = a.worker ?? r?.worker ?? null;
  const who = worker ? names.get(worker) ?? worker.slice(0, 8) : '?';
  const why = r ? `matcher score ${r.score}${r.newcomer ? ', newcomer share' : ''}` : a.via === 'sdk-audited' ? 'pinned by the SDK app' : 'self-claimed by the worker';
  // A confidential answer says what kind of enclave served it, in the line itself.
  const enclave = a.enclave ? ` [${a.enclave.label}]` : '';
  return `${a.tier.padEnd(8)} ${a.via.padEnd(13)} job ${a.job.slice(0, 8)} → ${who} (${why}) in ${(a.ms / 1000).toFixed(1)} s${enclave}: ${quote(a.text)}`;
}
