/**
 * The tab's job journal: the same rows and transitions as the worker's SQLite JobStore, kept in
 * memory. A tab that closes takes its jobs with it: they pass their deadline, the cranks expire
 * them and the market requeues them to another worker, so nothing durable is needed here.
 */
import type { JobJournal, JobRow, JobRowState } from '../../worker/browser';

export class MemoryJournal implements JobJournal {
  private readonly rows = new Map<string, JobRow>();

  get(job: string): JobRow | null {
    const r = this.rows.get(job);
    return r ? { ...r } : null;
  }

  inState(...states: JobRowState[]): JobRow[] {
    return [...this.rows.values()].filter((r) => states.includes(r.state)).sort((a, b) => a.created_at - b.created_at);
  }

  startRunning(row: { job: string; tier: string; model: string; seed: bigint; deadline: number; envelope: Uint8Array; replyKey: Uint8Array; claimSignature?: string | null }): boolean {
    const existing = this.rows.get(row.job);
    if (existing && existing.state !== 'claimed' && existing.state !== 'expired' && existing.state !== 'failed') return false;
    const now = Date.now();
    this.rows.set(row.job, {
      job: row.job,
      state: 'running',
      tier: row.tier,
      model: row.model,
      seed: row.seed.toString(),
      deadline: row.deadline,
      envelope: Buffer.from(row.envelope),
      reply_key: Buffer.from(row.replyKey),
      output_hash: null,
      result_envelope: null,
      enclave_signature: null,
      completion_tokens: 0,
      prompt_tokens: 0,
      stop_reason: null,
      signature: null,
      claim_signature: row.claimSignature ?? existing?.claim_signature ?? null,
      cheated: 0,
      error: null,
      created_at: existing?.created_at ?? now,
      updated_at: now,
    });
    return true;
  }

  private update(job: string, patch: Partial<JobRow>): void {
    const r = this.rows.get(job);
    if (r) this.rows.set(job, { ...r, ...patch, updated_at: Date.now() });
  }

  recordOutput(job: string, out: { outputHash: string; resultEnvelope: Uint8Array; enclaveSignature: Uint8Array | null; completionTokens: number; promptTokens: number; stopReason: string; cheated: boolean }): void {
    this.update(job, {
      state: 'output',
      output_hash: out.outputHash,
      result_envelope: Buffer.from(out.resultEnvelope),
      enclave_signature: out.enclaveSignature ? Buffer.from(out.enclaveSignature) : null,
      completion_tokens: out.completionTokens,
      prompt_tokens: out.promptTokens,
      stop_reason: out.stopReason,
      cheated: out.cheated ? 1 : 0,
    });
  }

  markSubmitted(job: string, signature: string | null): void {
    const r = this.rows.get(job);
    this.update(job, { state: 'submitted', signature: signature ?? r?.signature ?? null, envelope: null });
  }

  markEnded(job: string, state: 'expired' | 'failed', error: string): void {
    this.update(job, { state, error, envelope: null });
  }

  release(job: string): void {
    if (this.rows.get(job)?.state === 'running') this.update(job, { state: 'claimed', envelope: null, reply_key: null });
  }

  counts(): Record<JobRowState, number> {
    const out: Record<JobRowState, number> = { claimed: 0, running: 0, output: 0, submitted: 0, expired: 0, failed: 0 };
    for (const r of this.rows.values()) out[r.state]++;
    return out;
  }
}
