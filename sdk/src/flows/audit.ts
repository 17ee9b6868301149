/**
 * The client's side of the audit path (see crypto/audit.ts for the format and the registry):
 * pick validators from a registry (signature, expiry and an active on-chain Validator each),
 * decide which jobs to sample, and hand a sampled job's opening to a validator's endpoint.
 * The worker takes no part, so it cannot tell which of its jobs are audited.
 */
import { PublicKey } from '@solana/web3.js';
import { randomInt } from 'node:crypto';
import { validatorAccount } from '../accounts/market';
import { decodeClock, SYSVAR_CLOCK_PUBKEY } from '../accounts/token';
import type { PeerContext } from '../context';
import { sealAuditEnvelope, verifyValidatorEntry, type ValidatorRegistry, type VerifiedValidatorEntry } from '../crypto/audit';
import type { X25519Keypair } from '../crypto/envelope';
import type { RequestOpening } from '../crypto/request';
import { PeerError } from '../errors';
import { findValidatorPda } from '../pda';

export class AuditError extends PeerError {
  constructor(message: string) {
    super('AUDIT', message);
  }
}

/** Registry entries that verify and whose validator is registered on chain and not leaving. One read. */
export async function activeValidators(ctx: PeerContext, registry: ValidatorRegistry): Promise<VerifiedValidatorEntry[]> {
  const clock = await ctx.transport.getAccount(SYSVAR_CLOCK_PUBKEY);
  const now = clock ? Number(decodeClock(clock).unixTimestamp) : Math.floor(Date.now() / 1000);
  const entries: VerifiedValidatorEntry[] = [];
  for (const e of registry.validators ?? []) {
    try {
      entries.push(verifyValidatorEntry(e, now));
    } catch {
      // A bad entry is skipped, not fatal: anyone can publish a registry.
    }
  }
  if (entries.length === 0) return [];
  const pdas = entries.map((e) => findValidatorPda(e.authority, ctx.programs.market)[0]);
  const accounts = await validatorAccount.fetchAllMaybe(ctx.transport, pdas, { programId: ctx.programs.market });
  return entries.filter((_, i) => accounts[i] !== null && accounts[i]!.data.deregisterAvailableAt === 0n);
}

/** Whether to audit a job: true with probability `rate` (0..1), from a CSPRNG. */
export function sampleForAudit(rate: number): boolean {
  if (!(rate >= 0 && rate <= 1)) throw new AuditError('the audit rate is a probability within 0..1');
  return randomInt(1_000_000) < Math.round(rate * 1_000_000);
}

/** `count` distinct validators chosen uniformly at random. */
export function pickAuditors(validators: VerifiedValidatorEntry[], count: number): VerifiedValidatorEntry[] {
  const pool = [...validators];
  const out: VerifiedValidatorEntry[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(randomInt(pool.length), 1)[0]);
  return out;
}

/**
 * Seals a job's opening to a validator and POSTs it to `{endpoint}/v1/audits`
 * (body {"job": base58, "envelope": base64}); the validator answers 2xx once it checked the
 * opening against the on-chain commitment.
 */
export async function sendAuditOpening(validator: VerifiedValidatorEntry, input: { job: PublicKey; opening: RequestOpening; sender: X25519Keypair }): Promise<void> {
  const envelope = sealAuditEnvelope({ job: input.job, opening: input.opening, validatorKey: validator.encryptionKey, sender: input.sender });
  const res = await fetch(`${validator.endpoint}/v1/audits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ job: input.job.toBase58(), envelope: Buffer.from(envelope).toString('base64') }),
  });
  if (!res.ok) throw new AuditError(`validator ${validator.authority.toBase58()} refused the audit (HTTP ${res.status}): ${(await res.text()).slice(0, 200)}`);
}
