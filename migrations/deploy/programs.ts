/**
 * Deploying and upgrading one program through the BPF Upgradeable Loader with ordinary
 * transactions, as `solana program deploy` does: a buffer account (create + InitializeBuffer),
 * the ELF written in chunks, then DeployWithMaxDataLen for a new program, or Upgrade (after
 * ExtendProgram when the new ELF outgrows the ProgramData) for an existing one. A program whose
 * deployed bytes already equal the ELF is left alone.
 */
import { Keypair, PublicKey, SystemProgram, TransactionMessage, type Connection } from '@solana/web3.js';
import {
  BUFFER_HEADER,
  closeBuffer,
  deployWithMaxDataLen,
  extendProgram,
  initializeBuffer,
  parseProgramAccount,
  parseProgramData,
  programDataAddress,
  PROGRAM_ACCOUNT_SIZE,
  PROGRAM_DATA_HEADER,
  sameProgram,
  UPGRADEABLE_LOADER,
  upgrade,
  write,
} from './loader';
import { DeployTxError, type TxSender } from './send';

const PACKET_DATA_SIZE = 1232;

export interface ProgramSpec {
  name: string;
  /** The program's own keypair (its address is the program id). */
  programKeypair: Keypair;
  elf: Buffer;
}

export interface ProgramResult {
  name: string;
  programId: PublicKey;
  action: 'deployed' | 'upgraded' | 'unchanged';
  bytes: number;
  /** Slot of the deploy/upgrade transaction (null when unchanged). */
  slot: number | null;
  writeTransactions: number;
}

/** The largest Write chunk that keeps a Write transaction within the packet size. */
export function writeChunkSize(payer: PublicKey): number {
  const probe = 256;
  const signer = { publicKey: payer, secretKey: new Uint8Array(64) } as Keypair;
  const message = new TransactionMessage({ payerKey: signer.publicKey, recentBlockhash: PublicKey.default.toBase58(), instructions: [write(PublicKey.unique(), payer, 0, new Uint8Array(probe))] }).compileToV0Message();
  const size = message.serialize().length + 1 + 64;
  return PACKET_DATA_SIZE - (size - probe);
}

async function landedSlot(connection: Connection, signature: string): Promise<number> {
  const { value } = await connection.getSignatureStatuses([signature]);
  return value[0]?.slot ?? (await connection.getSlot('confirmed'));
}

/** Waits (bounded) until the cluster is past `slot`: a program deployed in a slot runs from the next. */
export async function waitForSlotAfter(connection: Connection, slot: number, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await connection.getSlot('confirmed')) <= slot) {
    if (Date.now() > until) throw new Error(`the cluster did not advance past slot ${slot} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function writeBuffer(sender: TxSender, spec: ProgramSpec, log: (line: string) => void): Promise<{ buffer: Keypair; writes: number }> {
  const { connection, payer } = sender;
  const buffer = Keypair.generate();
  const size = BUFFER_HEADER + spec.elf.length;
  const lamports = await connection.getMinimumBalanceForRentExemption(size);
  await sender.send({
    label: `${spec.name}: create buffer`,
    instructions: [
      SystemProgram.createAccount({ fromPubkey: payer.publicKey, newAccountPubkey: buffer.publicKey, lamports, space: size, programId: UPGRADEABLE_LOADER }),
      initializeBuffer(buffer.publicKey, payer.publicKey),
    ],
    signers: [buffer],
  });
  try {
    const chunk = writeChunkSize(payer.publicKey);
    const specs = [];
    for (let offset = 0; offset < spec.elf.length; offset += chunk) {
      specs.push({ label: `${spec.name}: write @${offset}`, instructions: [write(buffer.publicKey, payer.publicKey, offset, spec.elf.subarray(offset, offset + chunk))] });
    }
    log(`  ${spec.name}: writing ${spec.elf.length} bytes in ${specs.length} transactions (${chunk}-byte chunks) to buffer ${buffer.publicKey.toBase58()}`);
    await sender.sendAll(specs);
    const written = await connection.getAccountInfo(buffer.publicKey, 'confirmed');
    if (!written || !written.data.subarray(BUFFER_HEADER).equals(spec.elf)) throw new Error(`${spec.name}: the buffer does not hold the ELF after writing`);
    return { buffer, writes: specs.length };
  } catch (err) {
    await releaseBuffer(sender, buffer.publicKey, log);
    throw err;
  }
}

async function releaseBuffer(sender: TxSender, buffer: PublicKey, log: (line: string) => void): Promise<void> {
  try {
    await sender.send({ label: 'close buffer', instructions: [closeBuffer(buffer, sender.payer.publicKey, sender.payer.publicKey)] });
    log(`  closed buffer ${buffer.toBase58()} (its rent went back to the payer)`);
  } catch {
    log(`  buffer ${buffer.toBase58()} is left open; close it with \`solana program close ${buffer.toBase58()}\``);
  }
}

export async function deployProgram(sender: TxSender, spec: ProgramSpec, log: (line: string) => void): Promise<ProgramResult> {
  const { connection, payer } = sender;
  const programId = spec.programKeypair.publicKey;
  const base = { name: spec.name, programId, bytes: spec.elf.length };
  const existing = await connection.getAccountInfo(programId, 'confirmed');

  if (!existing) {
    const maxDataLen = spec.elf.length * 2;
    const { buffer, writes } = await writeBuffer(sender, spec, log);
    try {
      const sig = await sender.send({
        label: `${spec.name}: deploy`,
        instructions: [
          SystemProgram.createAccount({
            fromPubkey: payer.publicKey,
            newAccountPubkey: programId,
            lamports: await connection.getMinimumBalanceForRentExemption(PROGRAM_ACCOUNT_SIZE),
            space: PROGRAM_ACCOUNT_SIZE,
            programId: UPGRADEABLE_LOADER,
          }),
          deployWithMaxDataLen({ payer: payer.publicKey, programId, buffer: buffer.publicKey, authority: payer.publicKey, maxDataLen }),
        ],
        signers: [spec.programKeypair],
      });
      return { ...base, action: 'deployed', slot: await landedSlot(connection, sig), writeTransactions: writes };
    } catch (err) {
      await releaseBuffer(sender, buffer.publicKey, log);
      throw err;
    }
  }

  if (!existing.owner.equals(UPGRADEABLE_LOADER)) {
    throw new Error(`${spec.name}: ${programId.toBase58()} exists but is owned by ${existing.owner.toBase58()}, not the upgradeable loader`);
  }
  const dataAddress = parseProgramAccount(existing.data);
  if (!dataAddress || !dataAddress.equals(programDataAddress(programId))) throw new Error(`${spec.name}: ${programId.toBase58()} is not an upgradeable program account`);
  const dataAccount = await connection.getAccountInfo(dataAddress, 'confirmed');
  const state = dataAccount ? parseProgramData(dataAccount.data) : null;
  if (!state) throw new Error(`${spec.name}: its ProgramData ${dataAddress.toBase58()} is missing or invalid`);
  if (!state.upgradeAuthority) throw new Error(`${spec.name}: ${programId.toBase58()} is immutable (no upgrade authority)`);
  if (!state.upgradeAuthority.equals(payer.publicKey)) {
    throw new Error(`${spec.name}: the upgrade authority is ${state.upgradeAuthority.toBase58()}, not the deploying keypair ${payer.publicKey.toBase58()}`);
  }
  if (sameProgram(state.elfArea, spec.elf)) return { ...base, action: 'unchanged', slot: null, writeTransactions: 0 };

  const { buffer, writes } = await writeBuffer(sender, spec, log);
  try {
    const missing = spec.elf.length - state.elfArea.length;
    if (missing > 0) {
      log(`  ${spec.name}: extending ProgramData by ${missing} bytes`);
      try {
        await sender.send({ label: `${spec.name}: extend (checked)`, instructions: [extendProgram({ programId, payer: payer.publicKey, authority: payer.publicKey, additional: missing, checked: true })] });
      } catch (err) {
        // Clusters that have not enabled ExtendProgramChecked reject its tag.
        if (!(err instanceof DeployTxError) || !/InvalidInstructionData|invalid instruction data/i.test(err.message)) throw err;
        await sender.send({ label: `${spec.name}: extend`, instructions: [extendProgram({ programId, payer: payer.publicKey, authority: payer.publicKey, additional: missing, checked: false })] });
      }
    }
    const sig = await sender.send({
      label: `${spec.name}: upgrade`,
      instructions: [upgrade({ programId, buffer: buffer.publicKey, spill: payer.publicKey, authority: payer.publicKey })],
    });
    return { ...base, action: 'upgraded', slot: await landedSlot(connection, sig), writeTransactions: writes };
  } catch (err) {
    await releaseBuffer(sender, buffer.publicKey, log);
    throw err;
  }
}

/** Lamports a fresh deploy of `bytes` needs (buffer + ProgramData at 2x + program account), before fees. */
export async function deployCost(connection: Connection, bytes: number): Promise<number> {
  const [buffer, programData, program] = await Promise.all([
    connection.getMinimumBalanceForRentExemption(BUFFER_HEADER + bytes),
    connection.getMinimumBalanceForRentExemption(PROGRAM_DATA_HEADER + 2 * bytes),
    connection.getMinimumBalanceForRentExemption(PROGRAM_ACCOUNT_SIZE),
  ]);
  return buffer + programData + program;
}
