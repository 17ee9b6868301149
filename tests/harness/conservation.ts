/**
 * Conservation identities, recomputed from the accounts the market fixture created (bankrun has
 * no getProgramAccounts, so the fixture keeps a registry of them):
 *
 * - USDC vault: vault.amount == (Σ credit.balance + Σ credit.locked) × CREDIT_BASE_UNITS
 *   + Σ worker.earnings + fee_ledger.staker_fees + fee_ledger.treasury_fees
 * - escrow: each credit account's `locked` is the sum of the max prices of its client's live jobs
 * - workers: each bond vault holds exactly the worker's `bond`; `active_jobs` counts its Assigned
 *   jobs and `open_jobs[tier]` its Assigned/Submitted/Disputed jobs of that tier
 * - supplies: the USDC and $PEER supplies equal the sums over every token account of the mint the
 *   fixture knows (so nothing is minted or burned unseen, and a burn shows as a supply drop)
 */
import type { AccountInfo as Web3AccountInfo } from '@solana/web3.js';
import { PublicKey } from '@solana/web3.js';
import { unpackAccount } from '@solana/spl-token';
import assert from 'node:assert/strict';
import { big, CREDIT_BASE_UNITS, statusOf, tierIndex, tierOf, type Market } from '../fixtures/embedded/market';
import { mintSupply } from '../fixtures/embedded/tokens';

type AccountName = 'worker' | 'creditAccount' | 'job' | 'feeLedger';

/** Decodes one of our accounts when it exists and is owned by the market program; null otherwise. */
export async function readProgramAccount<T = Record<string, unknown>>(m: Market, address: PublicKey, name: AccountName): Promise<T | null> {
  const info = await m.context.banksClient.getAccount(address);
  if (!info || info.lamports === 0 || !info.owner.equals(m.programId)) return null;
  try {
    return m.program.coder.accounts.decode(name, Buffer.from(info.data)) as T;
  } catch {
    return null;
  }
}

async function tokenAmount(m: Market, address: PublicKey): Promise<bigint> {
  const info = await m.context.banksClient.getAccount(address);
  if (!info || info.lamports === 0) return 0n;
  const web3: Web3AccountInfo<Buffer> = { ...info, data: Buffer.from(info.data) };
  return unpackAccount(address, web3).amount;
}

export interface Totals {
  vault: bigint;
  creditBalance: bigint;
  creditLocked: bigint;
  earnings: bigint;
  stakerFees: bigint;
  treasuryFees: bigint;
  bonds: bigint;
  bondVaults: bigint;
  usdcSupply: bigint;
  peerSupply: bigint;
  liveJobs: number;
}

interface JobView {
  client: PublicKey;
  worker: PublicKey;
  status: unknown;
  request: { tier: unknown; maxPrice: { toString(): string } };
}

interface WorkerView {
  authority: PublicKey;
  bond: { toString(): string };
  earnings: { toString(): string };
  activeJobs: number;
  openJobs: number[];
}

interface CreditView {
  owner: PublicKey;
  balance: { toString(): string };
  locked: { toString(): string };
}

/** Recomputes every identity and asserts it; returns the totals. */
export async function assertConservation(m: Market): Promise<Totals> {
  // Live jobs.
  const jobs: { address: PublicKey; job: JobView }[] = [];
  for (const key of m.jobs.keys()) {
    const address = new PublicKey(key);
    const job = await readProgramAccount<JobView>(m, address, 'job');
    if (job) jobs.push({ address, job });
  }

  // Credit accounts and their escrow.
  let creditBalance = 0n;
  let creditLocked = 0n;
  for (const [key, owner] of m.creditAccounts) {
    const credits = await readProgramAccount<CreditView>(m, new PublicKey(key), 'creditAccount');
    if (!credits) continue;
    creditBalance += big(credits.balance);
    creditLocked += big(credits.locked);
    const escrowed = jobs.filter((j) => j.job.client.equals(owner)).reduce((s, j) => s + big(j.job.request.maxPrice), 0n);
    assert.equal(big(credits.locked), escrowed, `credit account ${key}: locked ${credits.locked.toString()} but its live jobs escrow ${escrowed}`);
  }
  for (const { address, job } of jobs) {
    assert.ok(
      m.creditAccounts.has(m.creditAddress(job.client).toBase58()),
      `job ${address.toBase58()} belongs to a client without a registered credit account`,
    );
  }

  // Workers, their bonds and job counters.
  let earnings = 0n;
  let bonds = 0n;
  let bondVaults = 0n;
  for (const entry of m.workers.values()) {
    const worker = await readProgramAccount<WorkerView>(m, entry.worker, 'worker');
    const vaultAmount = await tokenAmount(m, entry.bondVault);
    if (!worker) {
      assert.equal(vaultAmount, 0n, `closed worker ${entry.worker.toBase58()} left $PEER in its vault`);
      continue;
    }
    earnings += big(worker.earnings);
    bonds += big(worker.bond);
    bondVaults += vaultAmount;
    assert.equal(vaultAmount, big(worker.bond), `worker ${entry.worker.toBase58()}: vault holds ${vaultAmount}, bond is ${worker.bond.toString()}`);
    const mine = jobs.filter((j) => j.job.worker.equals(entry.worker));
    const active = mine.filter((j) => statusOf(j.job.status) === 'assigned').length;
    assert.equal(worker.activeJobs, active, `worker ${entry.worker.toBase58()}: active_jobs ${worker.activeJobs}, assigned jobs ${active}`);
    for (let t = 0; t < 3; t++) {
      const open = mine.filter((j) => statusOf(j.job.status) !== 'open' && tierIndex(tierOf(j.job.request.tier)) === t).length;
      assert.equal(worker.openJobs[t], open, `worker ${entry.worker.toBase58()}: open_jobs[${t}] ${worker.openJobs[t]}, live jobs ${open}`);
    }
  }

  // The vault identity.
  const ledger = await readProgramAccount<{ stakerFees: { toString(): string }; treasuryFees: { toString(): string } }>(m, m.accounts.feeLedger, 'feeLedger');
  assert.ok(ledger, 'the fee ledger exists');
  const stakerFees = big(ledger.stakerFees);
  const treasuryFees = big(ledger.treasuryFees);
  const vault = await tokenAmount(m, m.accounts.usdcVault);
  const owed = (creditBalance + creditLocked) * CREDIT_BASE_UNITS + earnings + stakerFees + treasuryFees;
  assert.equal(
    vault,
    owed,
    `USDC vault holds ${vault} but owes ${owed} = (credits ${creditBalance} + locked ${creditLocked}) × ${CREDIT_BASE_UNITS} + earnings ${earnings} + staker fees ${stakerFees} + treasury fees ${treasuryFees}`,
  );

  // Supplies: every token of both mints is in an account the fixture knows.
  let usdcKnown = 0n;
  for (const key of m.usdcAccounts) usdcKnown += await tokenAmount(m, new PublicKey(key));
  let peerKnown = 0n;
  for (const key of m.peerAccounts) peerKnown += await tokenAmount(m, new PublicKey(key));
  const usdcSupply = await mintSupply(m.context, m.env.usdcMint);
  const peerSupply = await mintSupply(m.context, m.env.peerMint);
  assert.equal(usdcSupply, usdcKnown, `USDC supply ${usdcSupply} but known accounts hold ${usdcKnown}`);
  assert.equal(peerSupply, peerKnown, `$PEER supply ${peerSupply} but known accounts hold ${peerKnown}`);

  return {
    vault,
    creditBalance,
    creditLocked,
    earnings,
    stakerFees,
    treasuryFees,
    bonds,
    bondVaults,
    usdcSupply,
    peerSupply,
    liveJobs: jobs.length,
  };
}
