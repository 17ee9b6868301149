/**
 * The mint's core: keysets, signing, and the atomic spend. HTTP (http.ts), the on-chain rail
 * (usdc.ts) and the gateway's in-process API (redeem.ts) all go through this class.
 *
 * Spending inputs: verify every proof's signature first (pure maths, no state), then, in ONE
 * immediate SQLite transaction, insert each Y into `spent` (the primary key refuses a second
 * spend) and insert each output's blind signature into `promises` (the primary key refuses
 * signing a blinded message twice). The answer is sent only after that commit. If the process
 * dies after the commit and before the answer, the same request sent again returns the same
 * signatures (they are stored), and NUT-09 restore returns them by blinded message.
 */
import { randomBytes } from 'node:crypto';
import { CURVE_ORDER, pointFromHex, proveDleq, secretPoint, signBlinded, type CurvePoint } from '../sdk/src/privacy/bdhke';
import { checkProof, TokenError, type BlindSignature, type BlindedMessage, type Proof } from '../sdk/src/privacy/token';
import { CODES, MintError } from './errors';
import { deriveKeyset, UNIT, type KeysetKeys } from './keys';
import type { Store } from './store';

export interface MintOptions {
  store: Store;
  seed: Uint8Array;
  /** Largest amount one mint or melt quote may carry, in credits. */
  maxQuoteAmount?: number;
  quoteTtlSeconds?: number;
  now?: () => number;
}

export interface KeysetInfo {
  id: string;
  unit: string;
  active: boolean;
  input_fee_ppk: number;
}

export type ProofState = 'UNSPENT' | 'PENDING' | 'SPENT';

const MAX_IO = 1000;

function opId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export class Ledger {
  readonly store: Store;
  private readonly seed: Uint8Array;
  private readonly keysets = new Map<string, KeysetKeys & { active: boolean }>();
  readonly maxQuoteAmount: number;
  readonly quoteTtlSeconds: number;
  readonly now: () => number;

  constructor(opts: MintOptions) {
    this.store = opts.store;
    this.seed = opts.seed;
    this.maxQuoteAmount = opts.maxQuoteAmount ?? 1_000_000;
    this.quoteTtlSeconds = opts.quoteTtlSeconds ?? 3600;
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    const rows = this.store.prepare('SELECT id, idx, unit, active FROM keysets ORDER BY idx').all() as { id: string; idx: number; unit: string; active: number }[];
    if (rows.length === 0) this.rotate();
    else for (const r of rows) this.load(r.idx, r.unit, r.active === 1, r.id);
  }

  private load(index: number, unit: string, active: boolean, expectedId?: string): KeysetKeys {
    const ks = deriveKeyset(this.seed, index, unit);
    if (expectedId && ks.id !== expectedId) {
      throw new Error(`keyset ${expectedId} does not match the seed (derived ${ks.id}): wrong seed file for this database`);
    }
    this.keysets.set(ks.id, { ...ks, active });
    return ks;
  }

  /** Key rotation: a new active keyset; older ones stay redeemable but sign nothing new. */
  rotate(): KeysetInfo {
    const next = ((this.store.prepare('SELECT MAX(idx) AS m FROM keysets').get() as { m: number | null }).m ?? -1) + 1;
    const ks = deriveKeyset(this.seed, next, UNIT);
    this.store.transaction(() => {
      this.store.prepare('UPDATE keysets SET active = 0 WHERE unit = ?').run(UNIT);
      this.store.prepare('INSERT INTO keysets(id, idx, unit, active, input_fee_ppk, created_at) VALUES (?, ?, ?, 1, 0, ?)').run(ks.id, next, UNIT, this.now());
    }).immediate();
    for (const k of this.keysets.values()) if (k.unit === UNIT) k.active = false;
    this.keysets.set(ks.id, { ...ks, active: true });
    return { id: ks.id, unit: UNIT, active: true, input_fee_ppk: 0 };
  }

  activeKeyset(): KeysetKeys {
    for (const k of this.keysets.values()) if (k.active) return k;
    throw new Error('no active keyset');
  }

  keysetInfos(): KeysetInfo[] {
    return [...this.keysets.values()].map((k) => ({ id: k.id, unit: k.unit, active: k.active, input_fee_ppk: 0 }));
  }

  /** NUT-01 `keys`: the active keysets only (wallets fetch inactive ones by id). */
  publicKeys(id?: string): { id: string; unit: string; keys: Record<string, string> }[] {
    if (id !== undefined) {
      const k = this.keysets.get(id);
      if (!k) throw new MintError(CODES.keysetUnknown, `keyset ${String(id).slice(0, 20)} is not known`, 404);
      return [{ id: k.id, unit: k.unit, keys: k.published }];
    }
    return [...this.keysets.values()].filter((k) => k.active).map((k) => ({ id: k.id, unit: k.unit, keys: k.published }));
  }

  /** The input's signature is valid for one of our keysets: C == k·hash_to_curve(secret). */
  private verifyInput(raw: unknown, i: number): { proof: Proof; y: string } {
    let proof: Proof;
    try {
      proof = checkProof(raw, `inputs[${i}]`);
    } catch (err) {
      throw new MintError(CODES.proofInvalid, err instanceof TokenError ? err.message : `inputs[${i}] is malformed`);
    }
    const ks = this.keysets.get(proof.id);
    if (!ks) throw new MintError(CODES.keysetUnknown, `inputs[${i}]: keyset ${proof.id} is not known`);
    const k = ks.secret.get(proof.amount);
    if (k === undefined) throw new MintError(CODES.proofInvalid, `inputs[${i}]: amount ${proof.amount} is not a denomination of keyset ${proof.id}`);
    let C: CurvePoint;
    let Y: CurvePoint;
    try {
      C = pointFromHex(proof.C);
      Y = secretPoint(proof.secret);
    } catch {
      throw new MintError(CODES.proofInvalid, `inputs[${i}]: C is not a valid point`);
    }
    if (!Y.multiply(k).equals(C)) throw new MintError(CODES.proofInvalid, `inputs[${i}]: signature does not verify (not issued by this mint, or altered)`);
    return { proof, y: Y.toHex(true) };
  }

  verifyInputs(inputs: unknown): { proofs: Proof[]; ys: string[]; total: number } {
    if (!Array.isArray(inputs) || inputs.length === 0) throw new MintError(CODES.badRequest, 'inputs must be a non-empty array of proofs');
    if (inputs.length > MAX_IO) throw new MintError(CODES.badRequest, `at most ${MAX_IO} inputs`);
    const checked = inputs.map((p, i) => this.verifyInput(p, i));
    const ys = checked.map((c) => c.y);
    if (new Set(ys).size !== ys.length) throw new MintError(CODES.duplicateInputs, 'duplicate inputs');
    const total = checked.reduce((s, c) => s + c.proof.amount, 0);
    return { proofs: checked.map((c) => c.proof), ys, total };
  }

  private checkOutputs(outputs: unknown, allowInactive = false): { messages: BlindedMessage[]; points: CurvePoint[]; total: number } {
    if (!Array.isArray(outputs)) throw new MintError(CODES.badRequest, 'outputs must be an array of blinded messages');
    if (outputs.length > MAX_IO) throw new MintError(CODES.badRequest, `at most ${MAX_IO} outputs`);
    const messages: BlindedMessage[] = [];
    const points: CurvePoint[] = [];
    let total = 0;
    outputs.forEach((raw, i) => {
      const o = raw as Record<string, unknown>;
      if (!o || typeof o !== 'object') throw new MintError(CODES.badRequest, `outputs[${i}] is not an object`);
      if (typeof o.amount !== 'number' || !Number.isSafeInteger(o.amount) || o.amount <= 0) throw new MintError(CODES.badRequest, `outputs[${i}].amount must be a positive whole number`);
      if (typeof o.id !== 'string') throw new MintError(CODES.badRequest, `outputs[${i}].id must be a keyset id`);
      const ks = this.keysets.get(o.id);
      if (!ks) throw new MintError(CODES.keysetUnknown, `outputs[${i}]: keyset ${o.id.slice(0, 20)} is not known`);
      if (!ks.active && !allowInactive) throw new MintError(CODES.keysetInactive, `outputs[${i}]: keyset ${o.id} is inactive (fetch the active keys)`);
      if (!ks.secret.has(o.amount)) throw new MintError(CODES.badRequest, `outputs[${i}].amount ${o.amount} is not a power of two this keyset signs`);
      let B: CurvePoint;
      try {
        B = pointFromHex(String(o.B_));
      } catch {
        throw new MintError(CODES.badRequest, `outputs[${i}].B_ is not a compressed secp256k1 point`);
      }
      messages.push({ amount: o.amount, id: o.id, B_: B.toHex(true) });
      points.push(B);
      total += o.amount;
    });
    if (new Set(messages.map((m) => m.B_)).size !== messages.length) throw new MintError(CODES.duplicateOutputs, 'duplicate outputs');
    return { messages, points, total };
  }

  private sign(messages: BlindedMessage[], points: CurvePoint[]): BlindSignature[] {
    return messages.map((m, i) => {
      const k = this.keysets.get(m.id)!.secret.get(m.amount)!;
      const C_ = signBlinded(points[i], k);
      return { amount: m.amount, id: m.id, C_: C_.toHex(true), dleq: proveDleq(k, points[i], C_) };
    });
  }

  /**
   * Inside a transaction: marks inputs spent and records signatures. Throws MintError (and
   * rolls back everything) if any input is already spent or pending, or any output was signed.
   */
  private commitSpend(op: string, id: string, proofs: Proof[], ys: string[], messages: BlindedMessage[], signatures: BlindSignature[]): void {
    const spend = this.store.prepare('INSERT INTO spent(y, amount, keyset_id, op, op_id) VALUES (?, ?, ?, ?, ?)');
    proofs.forEach((p, i) => {
      try {
        spend.run(ys[i], p.amount, p.id, op, id);
      } catch (err) {
        if (isConstraint(err)) throw this.spentError(ys[i], i);
        throw err;
      }
    });
    this.recordPromises(id, messages, signatures);
  }

  private recordPromises(id: string, messages: BlindedMessage[], signatures: BlindSignature[]): void {
    const promise = this.store.prepare('INSERT INTO promises(b_, amount, keyset_id, c_, dleq_e, dleq_s, op_id, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    messages.forEach((m, i) => {
      try {
        promise.run(m.B_, m.amount, m.id, signatures[i].C_, signatures[i].dleq!.e, signatures[i].dleq!.s, id, i);
      } catch (err) {
        if (isConstraint(err)) throw new MintError(CODES.blindedMessageSigned, `outputs[${i}] was already signed`);
        throw err;
      }
    });
  }

  private spentError(y: string, i: number): MintError {
    const row = this.store.prepare("SELECT s.op AS op, m.state AS state FROM spent s LEFT JOIN melt_quotes m ON m.id = s.op_id WHERE s.y = ?").get(y) as { op: string; state: string | null } | undefined;
    if (row?.op === 'melt' && row.state === 'PENDING') return new MintError(CODES.proofPending, `inputs[${i}] is pending in a melt`);
    return new MintError(CODES.proofSpent, `inputs[${i}] is already spent`);
  }

  /** A retry of a committed request: same inputs, same outputs → the stored signatures. */
  private replay(ys: string[], messages: BlindedMessage[]): BlindSignature[] | null {
    const ops = new Set<string>();
    for (const y of ys) {
      const r = this.store.prepare('SELECT op_id FROM spent WHERE y = ?').get(y) as { op_id: string } | undefined;
      if (!r) return null;
      ops.add(r.op_id);
    }
    if (ops.size !== 1) return null;
    const [op] = ops;
    const spentCount = (this.store.prepare('SELECT COUNT(*) AS n FROM spent WHERE op_id = ?').get(op) as { n: number }).n;
    if (spentCount !== ys.length) return null;
    const rows = this.store.prepare('SELECT b_, amount, keyset_id, c_, dleq_e, dleq_s FROM promises WHERE op_id = ? ORDER BY seq').all(op) as PromiseRow[];
    if (rows.length !== messages.length || rows.some((r, i) => r.b_ !== messages[i].B_ || r.amount !== messages[i].amount)) return null;
    return rows.map(toSignature);
  }

  /** The signatures stored for operation `id`, if they were made for exactly these outputs (a retried request). */
  storedSignatures(id: string, outputs: unknown): BlindSignature[] | null {
    if (!Array.isArray(outputs)) return null;
    const rows = this.store.prepare('SELECT b_, amount, keyset_id, c_, dleq_e, dleq_s FROM promises WHERE op_id = ? ORDER BY seq').all(id) as PromiseRow[];
    if (rows.length === 0 || rows.length !== outputs.length) return null;
    const same = rows.every((r, i) => {
      const o = outputs[i] as { B_?: unknown; amount?: unknown } | null;
      return typeof o?.B_ === 'string' && o.B_.toLowerCase() === r.b_ && o.amount === r.amount;
    });
    return same ? rows.map(toSignature) : null;
  }

  /** NUT-03 swap: inputs for new outputs of the same total. */
  swap(inputs: unknown, outputs: unknown): BlindSignature[] {
    const { proofs, ys, total } = this.verifyInputs(inputs);
    const out = this.checkOutputs(outputs);
    if (out.total !== total) throw new MintError(CODES.notBalanced, `inputs total ${total} but outputs total ${out.total}`);
    const signatures = this.sign(out.messages, out.points);
    const id = opId('swap');
    try {
      this.store.transaction(() => this.commitSpend('swap', id, proofs, ys, out.messages, signatures)).immediate();
    } catch (err) {
      if (err instanceof MintError && (err.code === CODES.proofSpent || err.code === CODES.blindedMessageSigned)) {
        const again = this.replay(ys, out.messages);
        if (again) return again;
      }
      throw err;
    }
    return signatures;
  }

  /** NUT-07: the state of each Y = hash_to_curve(secret). */
  checkState(ysRaw: unknown): { Y: string; state: ProofState; witness: null }[] {
    if (!Array.isArray(ysRaw) || ysRaw.length > MAX_IO) throw new MintError(CODES.badRequest, `Ys must be an array of at most ${MAX_IO} points`);
    const q = this.store.prepare('SELECT s.op AS op, m.state AS state FROM spent s LEFT JOIN melt_quotes m ON m.id = s.op_id WHERE s.y = ?');
    return ysRaw.map((y, i) => {
      if (typeof y !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(y)) throw new MintError(CODES.badRequest, `Ys[${i}] is not a compressed point in hex`);
      const row = q.get(y.toLowerCase()) as { op: string; state: string | null } | undefined;
      const state: ProofState = !row ? 'UNSPENT' : row.op === 'melt' && row.state === 'PENDING' ? 'PENDING' : 'SPENT';
      return { Y: y, state, witness: null };
    });
  }

  /** NUT-09: signatures previously given for these blinded messages (wallet recovery). */
  restore(outputs: unknown): { outputs: BlindedMessage[]; signatures: BlindSignature[] } {
    const out = this.checkOutputs(outputs, true);
    const q = this.store.prepare('SELECT b_, amount, keyset_id, c_, dleq_e, dleq_s FROM promises WHERE b_ = ?');
    const found: BlindedMessage[] = [];
    const signatures: BlindSignature[] = [];
    for (const m of out.messages) {
      const r = q.get(m.B_) as PromiseRow | undefined;
      if (r) {
        found.push(m);
        signatures.push(toSignature(r));
      }
    }
    return { outputs: found, signatures };
  }

  /**
   * Signs outputs paid by something other than proofs (a paid mint quote, melt change), in the
   * same transaction as `effect`, which must throw to refuse.
   */
  signPaid(outputs: unknown, expectedTotal: number | null, id: string, effect: () => void): BlindSignature[] {
    const out = this.checkOutputs(outputs);
    if (expectedTotal !== null && out.total !== expectedTotal) throw new MintError(CODES.notBalanced, `outputs total ${out.total}, expected ${expectedTotal}`);
    const signatures = this.sign(out.messages, out.points);
    this.store.transaction(() => {
      effect();
      this.recordPromises(id, out.messages, signatures);
    }).immediate();
    return signatures;
  }

  /**
   * Spends proofs for something other than new outputs (a gateway payment, a melt), with
   * optional change outputs, atomically with `effect`.
   */
  spend(op: 'redeem' | 'melt', id: string, inputs: unknown, changeOutputs: unknown, expectedChange: (inputTotal: number) => number, effect: (inputTotal: number) => void): { signatures: BlindSignature[]; inputTotal: number } {
    const { proofs, ys, total } = this.verifyInputs(inputs);
    const change = expectedChange(total);
    const out = this.checkOutputs(changeOutputs ?? []);
    if (out.total !== change && !(changeOutputs === undefined && change === 0)) {
      throw new MintError(CODES.notBalanced, `change outputs total ${out.total}, expected ${change}`);
    }
    const signatures = this.sign(out.messages, out.points);
    this.store.transaction(() => {
      this.commitSpend(op, id, proofs, ys, out.messages, signatures);
      effect(total);
    }).immediate();
    return { signatures, inputTotal: total };
  }

  newOpId(prefix: string): string {
    return opId(prefix);
  }

  /** Sum of outstanding ecash: everything signed minus everything spent (credits). */
  outstanding(): number {
    const signed = (this.store.prepare('SELECT COALESCE(SUM(amount), 0) AS s FROM promises').get() as { s: number }).s;
    const spent = (this.store.prepare('SELECT COALESCE(SUM(amount), 0) AS s FROM spent').get() as { s: number }).s;
    return signed - spent;
  }
}

interface PromiseRow {
  b_: string;
  amount: number;
  keyset_id: string;
  c_: string;
  dleq_e: string;
  dleq_s: string;
}

function toSignature(r: PromiseRow): BlindSignature {
  return { amount: r.amount, id: r.keyset_id, C_: r.c_, dleq: { e: r.dleq_e, s: r.dleq_s } };
}

function isConstraint(err: unknown): boolean {
  return typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT');
}

export { CURVE_ORDER };
