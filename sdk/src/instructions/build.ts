/**
 * The one instruction builder: data from the IDL's discriminator and Borsh layout, account
 * metas in the IDL's order with its signer/writable flags, and every account the IDL can derive
 * (fixed program addresses, PDAs from constant, account and argument seeds) filled in when the
 * caller leaves it out. Pure: no RPC, no signing.
 */
import { PublicKey, TransactionInstruction } from '@solana/web3.js';
import { BPF_UPGRADEABLE_LOADER, findProgramDataAddress } from '../pda';
import { camel, type IdlAccountMeta, type ProgramCodec } from '../codec/program';
import type { IdlShape, InstructionAccounts, InstructionArgs, InstructionName } from '../codec/types';
import { ValidationError } from '../errors';

function seedBytes(value: unknown): Buffer {
  if (value instanceof PublicKey) return value.toBuffer();
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'bigint') {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(value);
    return b;
  }
  if (typeof value === 'number') return Buffer.from([value]);
  if (typeof value === 'string') return new PublicKey(value).toBuffer();
  throw new ValidationError('unsupported PDA seed value');
}

function resolvePda(
  program: ProgramCodec,
  meta: IdlAccountMeta,
  programId: PublicKey,
  known: Map<string, PublicKey>,
  args: Record<string, unknown>,
): PublicKey | null {
  const pda = meta.pda;
  if (!pda) return null;
  const defaultId = program.defaultProgramId.toBuffer();
  // The ProgramData account of this program: seeds [program id], owner the upgradeable loader.
  if (pda.program && new PublicKey(pda.program.value).equals(BPF_UPGRADEABLE_LOADER)) return findProgramDataAddress(programId)[0];
  const seeds: Buffer[] = [];
  for (const s of pda.seeds) {
    if (s.kind === 'const') {
      const bytes = Buffer.from(s.value);
      seeds.push(bytes.equals(defaultId) ? programId.toBuffer() : bytes);
    } else if (s.kind === 'account') {
      const dep = known.get(camel(s.path));
      if (!dep) return null;
      seeds.push(dep.toBuffer());
    } else {
      const v = args[camel(s.path)];
      if (v === undefined) return null;
      seeds.push(seedBytes(v));
    }
  }
  const owner = pda.program ? new PublicKey(pda.program.value) : programId;
  return PublicKey.findProgramAddressSync(seeds, owner)[0];
}

/** Builds instruction `name` of `program` (accounts by camelCase name, args in SDK types). */
export function buildInstruction<I extends IdlShape, N extends InstructionName<I>>(
  program: ProgramCodec<I>,
  name: N,
  accounts: InstructionAccounts<I, N>,
  args: InstructionArgs<I, N>,
  programId: PublicKey = program.defaultProgramId,
): TransactionInstruction {
  const def = program.instruction(name as string);
  const given = accounts as unknown as Record<string, PublicKey | undefined>;
  const argValues = (args ?? {}) as Record<string, unknown>;
  const known = new Map<string, PublicKey>();
  for (const [k, v] of Object.entries(given)) if (v) known.set(k, new PublicKey(v));
  // Derive what can be derived; PDAs may depend on accounts later in the list, so iterate.
  let progress = true;
  while (progress) {
    progress = false;
    for (const meta of def.accounts) {
      if (known.has(meta.name)) continue;
      const address = meta.address ? new PublicKey(meta.address) : resolvePda(program as ProgramCodec, meta, programId, known, argValues);
      if (address) {
        known.set(meta.name, address);
        progress = true;
      }
    }
  }
  const keys = def.accounts.map((meta) => {
    const pubkey = known.get(meta.name);
    if (!pubkey) throw new ValidationError(`${program.name}.${def.name}: account ${meta.name} is required`);
    return { pubkey, isSigner: !!meta.signer, isWritable: !!meta.writable };
  });
  const encodedArgs: Record<string, unknown> = {};
  for (const a of def.args) {
    if (!(a.name in argValues)) throw new ValidationError(`${program.name}.${def.name}: argument ${a.name} is required`);
    encodedArgs[a.name] = program.toAnchor(argValues[a.name], a.type, a.name);
  }
  const data = program.coder.instruction.encode(def.name, encodedArgs);
  return new TransactionInstruction({ programId, keys, data });
}

/** A typed builder for one instruction: `(accounts, args, programId?) => TransactionInstruction`. */
export type InstructionBuilder<I extends IdlShape, N extends InstructionName<I>> = keyof InstructionArgs<I, N> extends never
  ? (accounts: InstructionAccounts<I, N>, args?: InstructionArgs<I, N>, programId?: PublicKey) => TransactionInstruction
  : (accounts: InstructionAccounts<I, N>, args: InstructionArgs<I, N>, programId?: PublicKey) => TransactionInstruction;

export function instructionBuilder<I extends IdlShape, N extends InstructionName<I>>(program: ProgramCodec<I>, name: N): InstructionBuilder<I, N> {
  return ((accounts: InstructionAccounts<I, N>, args?: InstructionArgs<I, N>, programId?: PublicKey) =>
    buildInstruction(program, name, accounts, (args ?? {}) as InstructionArgs<I, N>, programId)) as InstructionBuilder<I, N>;
}
