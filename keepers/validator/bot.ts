/**
 * The validator challenge bot: a registered, bonded validator that audits verified and
 * confidential jobs it obtains through the audit path, and votes on other validators'
 * challenges.
 *
 * - Intake: `POST /v1/audits` `{"job": base58, "envelope": base64}` — an opening (request bytes
 *   + salt) sealed to this validator's x25519 key (sdk/src/crypto/audit.ts). It is opened and
 *   checked against the job's on-chain prompt commitment before it is stored.
 * - Audit: for a sampled job (a private, deterministic draw at `audit_rate`, recorded so a
 *   restart never re-rolls it) whose result is on chain, re-execute with the job's execution
 *   profile and seed (worker/ `execute`), compare output hashes, and challenge a mismatch inside
 *   the window.
 * - Vote: for every open challenge it holds the opening of (never its own challenge, never one
 *   against itself as a worker): re-execute, write a random salt to SQLite, then commit in the
 *   commit phase, reveal in the reveal phase, and close the vote once the challenge is resolved.
 * - Forward: after its own challenge lands, the opening goes to the other validators of
 *   `validator.peers` (a signed registry), sealed to each, so they can vote.
 */
import { PublicKey } from '@solana/web3.js';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { randomBytes, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  challengeAccount,
  challengeJob,
  closeVote,
  commitVote,
  CryptoError,
  decodeClock,
  decodeRequest,
  fetchMaybeValidator,
  findValidatorPda,
  findVotePda,
  jobAccount,
  openAuditEnvelope,
  revealVote,
  sealAuditEnvelope,
  SYSVAR_CLOCK_PUBKEY,
  toHex,
  validatorEncryptionKeypair,
  voteCommitment,
  verifyValidatorEntry,
  walletSecretKey,
  workerAccount,
  type ValidatorRegistry,
  type Account,
  type Challenge,
  type Job,
  type X25519Keypair,
} from '../../sdk/src';
import { checkProfile, execute, profileIdHex, type ExecutionProfile } from '../../worker';
import { InFlight, SetupError, type Bot, type BotHealth, type BotKit, type ChainChange } from '../bot';
import type { KeepersConfig } from '../config';
import { runFlow } from '../send';
import { ValidatorStore } from './store';

export interface ValidatorSettings {
  intervalMs: number;
  storePath: string;
  auditRate: number;
  profilesFile: string;
  maxOpeningBytes: number;
  threads: number;
  /** A validator registry (JSON `ValidatorRegistry`): whom a challenger forwards the opening to. */
  peersFile: string;
}

export function validatorSettings(c: KeepersConfig): ValidatorSettings {
  return {
    intervalMs: c['validator.interval_ms'],
    storePath: c['validator.store'],
    auditRate: c['validator.audit_rate'],
    profilesFile: c['validator.profiles'],
    maxOpeningBytes: c['validator.max_opening_bytes'],
    threads: c['validator.threads'],
    peersFile: c['validator.peers'],
  };
}

interface Runnable {
  profile: ExecutionProfile;
  modelPath: string;
}

/** Reads the profiles file: every profile checked, keyed by its on-chain model id (hex). */
export function loadProfiles(path: string): Map<string, Runnable> {
  if (!path) throw new SetupError('validator: validator.profiles is required (the models this validator can re-execute)');
  let doc: { profiles?: { profile?: ExecutionProfile; model_path?: string }[] };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8')) as typeof doc;
  } catch (err) {
    throw new SetupError(`validator: cannot read profiles file ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  const out = new Map<string, Runnable>();
  if (!Array.isArray(doc.profiles) || doc.profiles.length === 0) throw new SetupError(`validator: ${path} lists no profiles`);
  for (const [i, entry] of doc.profiles.entries()) {
    if (!entry.profile || typeof entry.model_path !== 'string') throw new SetupError(`validator: ${path}: profile ${i} needs "profile" and "model_path"`);
    try {
      out.set(profileIdHex(checkProfile(entry.profile)), { profile: entry.profile, modelPath: entry.model_path });
    } catch (err) {
      throw new SetupError(`validator: ${path}: profile ${i}: ${(err as Error).message}`);
    }
  }
  return out;
}

export class ValidatorBot implements Bot {
  readonly name = 'validator' as const;
  readonly intervalMs: number;
  private readonly inflight = new InFlight();
  private store: ValidatorStore | null = null;
  private profiles = new Map<string, Runnable>();
  private keys: X25519Keypair | null = null;
  private secret: Uint8Array | null = null;
  private queues: Record<string, number> = { openings: 0, to_audit: 0, open_challenges: 0, votes_pending: 0 };
  private readonly counts = { audited: 0, mismatches: 0, challenges: 0, commits: 0, reveals: 0 };

  constructor(
    private readonly kit: BotKit,
    readonly settings: ValidatorSettings,
  ) {
    this.intervalMs = settings.intervalMs;
  }

  private get me(): PublicKey {
    return this.kit.ctx.wallet.publicKey;
  }

  private get myValidator(): PublicKey {
    return findValidatorPda(this.me, this.kit.ctx.programs.market)[0];
  }

  async init(): Promise<void> {
    const ctx = this.kit.ctx;
    const secret = walletSecretKey(ctx);
    if (!secret) throw new SetupError('validator: needs a keypair file (its audit key is derived from it)');
    this.profiles = loadProfiles(this.settings.profilesFile);
    const v = await fetchMaybeValidator(ctx.transport, this.myValidator, { programId: ctx.programs.market });
    if (!v) throw new SetupError(`validator: ${this.me.toBase58()} is not a registered validator (register with a $PEER bond first: peer validator register)`);
    if (v.data.deregisterAvailableAt !== 0n) throw new SetupError(`validator: ${this.me.toBase58()} is deregistering; it can no longer challenge or vote`);
    this.secret = secret;
    this.keys = validatorEncryptionKeypair(secret);
    this.store ??= new ValidatorStore(this.settings.storePath);
  }

  async close(): Promise<void> {
    this.store?.close();
    this.store = null;
  }

  wakesOn(change: ChainChange): boolean {
    return change.account === 'challenge' || change.account === 'vote' || (change.account === 'job' && (change.jobStatus === 'submitted' || change.jobStatus === 'disputed'));
  }

  health(): BotHealth {
    return { queues: { ...this.queues, in_flight: this.inflight.size }, details: { ...this.counts, audit_key: this.keys ? Buffer.from(this.keys.publicKey).toString('base64') : null } };
  }

  routes(app: Hono): void {
    const tooLarge = `the body is larger than ${this.settings.maxOpeningBytes} bytes`;
    // The limit holds while the body streams in (also without a Content-Length).
    const limit = bodyLimit({ maxSize: this.settings.maxOpeningBytes, onError: (c) => c.json({ error: tooLarge }, 413) });
    app.post('/v1/audits', limit, async (c) => {
      const bad = (status: 400 | 404 | 413 | 503, error: string) => c.json({ error }, status);
      if (!this.store || !this.keys) return bad(503, 'the validator is not ready');
      const text = await c.req.text();
      if (text.length > this.settings.maxOpeningBytes) return bad(413, tooLarge);
      let body: { job?: unknown; envelope?: unknown };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        return bad(400, 'the body must be JSON {"job": base58, "envelope": base64}');
      }
      if (!body || typeof body.job !== 'string' || typeof body.envelope !== 'string' || !/^[A-Za-z0-9+/=]+$/.test(body.envelope)) {
        return bad(400, 'the body must be JSON {"job": base58, "envelope": base64}');
      }
      let job: PublicKey;
      try {
        job = new PublicKey(body.job);
      } catch {
        return bad(400, 'job is not a base58 address');
      }
      const ctx = this.kit.ctx;
      let account: Account<Job> | null;
      try {
        account = await jobAccount.fetchMaybe(ctx.transport, job, { programId: ctx.programs.market });
      } catch (err) {
        return bad(503, `cannot read the job: ${(err as Error).message.split('\n')[0]}`);
      }
      if (!account) return bad(404, 'no such job (it never existed or has ended)');
      if (account.data.request.tier === 'open') return bad(400, 'open-tier jobs cannot be challenged, so they are not audited');
      try {
        const opened = openAuditEnvelope(new Uint8Array(Buffer.from(body.envelope, 'base64')), this.keys, { job, promptCommitment: account.data.request.promptCommitment });
        const fresh = this.store.saveOpening(job.toBase58(), opened.opening!.request, opened.opening!.salt);
        this.kit.log.info('audit.received', { bot: this.name, job: job.toBase58(), fresh });
        return c.json({ accepted: true, job: job.toBase58() }, 202);
      } catch (err) {
        const msg = err instanceof CryptoError || err instanceof Error ? err.message.split('\n')[0] : String(err);
        return bad(400, msg);
      }
    });
  }

  /** A private, repeatable draw: is this job in the audit sample? */
  sampled(job: PublicKey): boolean {
    if (this.settings.auditRate >= 1) return true;
    if (this.settings.auditRate <= 0) return false;
    const h = createHash('sha256').update('peer-cycles/audit-sample/v1\0').update(this.secret!.subarray(0, 32)).update(job.toBuffer()).digest();
    return h.readUInt32LE(0) / 2 ** 32 < this.settings.auditRate;
  }

  /** Our output hash for a job (re-executed once, then remembered), or null when we cannot run its model. */
  private async ourHash(job: Account<Job>): Promise<Uint8Array | null> {
    const store = this.store!;
    const key = job.address.toBase58();
    const known = store.audit(key)?.ourHash;
    if (known) return known;
    const opening = store.opening(key);
    if (!opening) return null;
    const runnable = this.profiles.get(toHex(job.data.request.model));
    if (!runnable) return null;
    const request = decodeRequest(opening.request);
    const started = performance.now();
    const result = await execute(runnable.profile, opening.request, job.data.request.seed, request.maxTokens, { modelPath: runnable.modelPath, threads: this.settings.threads });
    store.setOurHash(key, result.outputHash);
    this.counts.audited++;
    this.kit.log.info('reexecute', { bot: this.name, job: key, tokens: result.tokens.length, ms: Math.round(performance.now() - started), output_hash: toHex(result.outputHash).slice(0, 16) });
    return result.outputHash;
  }

  async tick(): Promise<void> {
    const ctx = this.kit.ctx;
    const programId = ctx.programs.market;
    const store = this.store!;
    const openingJobs = store.openingJobs();
    const [clockRecord, challenges, jobRecords] = await Promise.all([
      ctx.transport.getAccount(SYSVAR_CLOCK_PUBKEY),
      challengeAccount.query(ctx.transport, [], { programId }),
      ctx.transport.getAccounts(openingJobs.map((j) => new PublicKey(j))),
    ]);
    if (!clockRecord) throw new Error('the clock sysvar is missing');
    const now = decodeClock(clockRecord).unixTimestamp;
    const jobs = new Map<string, Account<Job>>();
    openingJobs.forEach((j, i) => {
      const r = jobRecords[i];
      if (r) jobs.set(j, jobAccount.fromRecord(r, { programId }));
    });
    // Whose jobs: never audit or vote against ourselves as a worker.
    const workerKeys = [...new Set([...jobs.values()].map((j) => j.data.worker.toBase58()))].map((k) => new PublicKey(k));
    const workerRecords = workerKeys.length ? await ctx.transport.getAccounts(workerKeys) : [];
    const authorityOf = new Map<string, string>();
    workerKeys.forEach((k, i) => {
      const r = workerRecords[i];
      if (r) authorityOf.set(k.toBase58(), workerAccount.fromRecord(r, { programId }).data.authority.toBase58());
    });
    const me = this.me.toBase58();

    // ---- audits ----
    let toAudit = 0;
    for (const [key, job] of jobs) {
      const d = job.data;
      if (d.status !== 'submitted' || d.request.tier === 'open') continue;
      if (authorityOf.get(d.worker.toBase58()) === me) continue;
      const audit = store.audit(key) ?? store.decide(key, this.sampled(job.address) ? 'audit' : 'skip');
      if (audit.decision !== 'audit' || audit.outcome) continue;
      if (now >= d.challengeDeadline) {
        store.setOutcome(key, 'window_closed');
        continue;
      }
      toAudit++;
      const ours = await this.ourHash(job);
      if (!ours) continue;
      if (Buffer.from(ours).equals(Buffer.from(d.outputHash))) {
        store.setOutcome(key, 'agreed');
        this.kit.log.info('audit.ok', { bot: this.name, job: key });
        continue;
      }
      this.counts.mismatches++;
      const o = await runFlow(this.kit, this.name, this.inflight, { key: `challenge:${key}`, kind: 'challenge', fields: { job: key, worker: d.worker.toBase58(), ours: toHex(ours).slice(0, 16), theirs: toHex(d.outputHash).slice(0, 16) } }, () =>
        challengeJob(ctx, { job: job.address, outputHash: ours }),
      );
      if (o.status === 'landed') this.counts.challenges++;
      if (o.status === 'landed' || o.status === 'benign') store.setOutcome(key, o.status === 'landed' ? 'challenged' : `not_challenged:${o.reason}`);
    }
    // Challenges of ours whose opening has not reached the voters yet (also after a restart).
    for (const [key, job] of jobs) {
      if (job.data.status !== 'disputed' || store.audit(key)?.outcome !== 'challenged') continue;
      const opening = store.opening(key);
      if (opening && (await this.forward(job.address, opening))) store.setOutcome(key, 'challenged_forwarded');
    }

    // ---- votes ----
    const open = challenges.filter((c) => (c.data as Challenge & { resolved?: boolean }).resolved !== true);
    for (const ch of open) await this.voteOn(ch, now, jobs, authorityOf, me);

    // ---- close votes on resolved challenges ----
    const pending = store.votes(['committed', 'revealed']);
    const live = new Map(challenges.map((c) => [c.address.toBase58(), c]));
    for (const v of pending) {
      const ch = live.get(v.challenge);
      const resolved = !ch || (ch.data as Challenge & { resolved?: boolean }).resolved === true;
      if (!resolved) continue;
      const o = await runFlow(this.kit, this.name, this.inflight, { key: `close_vote:${v.challenge}`, kind: 'close_vote', fields: { challenge: v.challenge } }, () =>
        closeVote(ctx, { challenge: new PublicKey(v.challenge) }),
      );
      if (o.status === 'landed' || (o.status === 'benign' && o.reason === 'AccountNotInitialized')) store.setVoteState(v.challenge, 'closed');
    }
    this.queues = { openings: openingJobs.length, to_audit: toAudit, open_challenges: open.length, votes_pending: store.votes(['salted', 'committed', 'revealed']).length };
  }

  /**
   * Forwards a challenged job's opening to the other validators of the registry
   * (`validator.peers`), sealed to each one's key, so they can re-execute and vote. True when the
   * registry was read (individual peers that fail are logged and skipped).
   */
  private async forward(job: PublicKey, opening: { request: Uint8Array; salt: Uint8Array }): Promise<boolean> {
    if (!this.settings.peersFile) return true;
    let registry: ValidatorRegistry;
    try {
      registry = JSON.parse(readFileSync(this.settings.peersFile, 'utf8')) as ValidatorRegistry;
    } catch (err) {
      this.kit.log.warn('forward.failed', { bot: this.name, job: job.toBase58(), error: `cannot read ${this.settings.peersFile}: ${(err as Error).message.split('\n')[0]}` });
      return false;
    }
    const nowSecs = Math.floor(Date.now() / 1000);
    for (const entry of Array.isArray(registry.validators) ? registry.validators : []) {
      let peer;
      try {
        peer = verifyValidatorEntry(entry, nowSecs);
      } catch (err) {
        this.kit.log.warn('forward.skipped', { bot: this.name, peer: String(entry?.authority), reason: (err as Error).message });
        continue;
      }
      if (peer.authority.equals(this.me)) continue;
      const envelope = sealAuditEnvelope({ job, opening, validatorKey: peer.encryptionKey, sender: this.keys! });
      try {
        const res = await fetch(`${peer.endpoint.replace(/\/$/, '')}/v1/audits`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ job: job.toBase58(), envelope: Buffer.from(envelope).toString('base64') }),
          redirect: 'manual',
          signal: AbortSignal.timeout(5_000),
        });
        await res.body?.cancel().catch(() => undefined);
        this.kit.log.info('forward', { bot: this.name, job: job.toBase58(), peer: peer.authority.toBase58(), status: res.status });
      } catch (err) {
        this.kit.log.warn('forward.failed', { bot: this.name, job: job.toBase58(), peer: peer.authority.toBase58(), error: (err as Error).message.split('\n')[0] });
      }
    }
    return true;
  }

  private async voteOn(ch: Account<Challenge>, now: bigint, jobs: Map<string, Account<Job>>, authorityOf: Map<string, string>, me: string): Promise<void> {
    const ctx = this.kit.ctx;
    const store = this.store!;
    const c = ch.data;
    const key = ch.address.toBase58();
    if (c.challenger.equals(this.myValidator)) return; // our own challenge
    if (c.workerAuthority.toBase58() === me) return; // against ourselves
    const job = jobs.get(c.job.toBase58());
    if (!job) return; // no opening for it: we cannot check it
    let vote = store.vote(key);
    if (!vote) {
      if (now >= c.commitDeadline) return;
      const ours = await this.ourHash(job);
      if (!ours) return;
      // The salt reaches the disk before the commitment leaves.
      vote = store.saltVote(key, c.job.toBase58(), ours, new Uint8Array(randomBytes(32)));
    }
    if (vote.state === 'salted') {
      // Did a commit land before a restart? The chain has the vote account then.
      const onChain = await ctx.transport.getAccount(findVotePda(ch.address, this.myValidator, ctx.programs.market)[0]);
      if (onChain) {
        store.setVoteState(key, 'committed');
        vote = { ...vote, state: 'committed' };
      } else if (now < c.commitDeadline) {
        const v = vote;
        const o = await runFlow(this.kit, this.name, this.inflight, { key: `commit:${key}`, kind: 'commit', fields: { challenge: key, job: v.job, vote: toHex(v.outputHash).slice(0, 16), commitment: toHex(voteCommitment(v.outputHash, v.salt)).slice(0, 16) } }, () =>
          commitVote(ctx, { challenge: ch.address, outputHash: v.outputHash, salt: v.salt }),
        );
        if (o.status === 'landed') {
          this.counts.commits++;
          store.setVoteState(key, 'committed');
        }
        return;
      } else {
        return; // the commit phase ended without our commit
      }
    }
    if (vote.state === 'committed' && now >= c.commitDeadline && now < c.revealDeadline) {
      const v = vote;
      const o = await runFlow(this.kit, this.name, this.inflight, { key: `reveal:${key}`, kind: 'reveal', fields: { challenge: key, job: v.job, vote: toHex(v.outputHash).slice(0, 16) } }, () =>
        revealVote(ctx, { challenge: ch.address, outputHash: v.outputHash, salt: v.salt }),
      );
      if (o.status === 'landed') this.counts.reveals++;
      if (o.status === 'landed' || (o.status === 'benign' && o.reason === 'AlreadyRevealed')) store.setVoteState(key, 'revealed');
    }
  }
}
