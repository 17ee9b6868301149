/**
 * jsonParsed as agave renders it: System, SPL Token and associated-token instructions (top level
 * and inner) in getTransaction / getParsedTransaction, and the upgradeable loader's program and
 * ProgramData accounts in getAccountInfo.
 */
import { createAssociatedTokenAccountIdempotentInstruction, createInitializeMint2Instruction, createTransferCheckedInstruction, createMintToInstruction, getAssociatedTokenAddressSync, MINT_SIZE, TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { ComputeBudgetProgram, Keypair, SystemProgram, Transaction, sendAndConfirmTransaction, type Connection, type ParsedInstruction, type PartiallyDecodedInstruction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Localnet } from '../../localnet';
import { programDataAddress, PROGRAM_DATA_HEADER, UPGRADEABLE_LOADER } from '../../migrations/deploy/loader';
import { REPO_ROOT } from '../../tools/workspace';
import { connect, fundedWallet, startTestLocalnet, stop } from './helpers';

function parsed(ix: ParsedInstruction | PartiallyDecodedInstruction): ParsedInstruction {
  assert.ok('parsed' in ix, `expected a parsed instruction, got ${JSON.stringify(ix)}`);
  return ix;
}

describe('localnet: jsonParsed instructions and loader accounts', () => {
  let net: Localnet;
  let c: Connection;
  let payer: Keypair;

  before(async () => {
    net = await startTestLocalnet();
    c = connect(net);
    payer = await fundedWallet(net, 10);
  });

  after(async () => {
    await stop(net);
  });

  it('parses System and SPL Token instructions, top level and inner', async () => {
    const mint = Keypair.generate();
    const alice = Keypair.generate().publicKey;
    const aliceAta = getAssociatedTokenAddressSync(mint.publicKey, alice);
    const payerAta = getAssociatedTokenAddressSync(mint.publicKey, payer.publicKey);
    const rent = await c.getMinimumBalanceForRentExemption(MINT_SIZE);
    const tx = new Transaction().add(
      SystemProgram.createAccount({ fromPubkey: payer.publicKey, newAccountPubkey: mint.publicKey, lamports: rent, space: MINT_SIZE, programId: TOKEN_PROGRAM_ID }),
      createInitializeMint2Instruction(mint.publicKey, 6, payer.publicKey, null),
      createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, payerAta, payer.publicKey, mint.publicKey),
      createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, aliceAta, alice, mint.publicKey),
      createMintToInstruction(mint.publicKey, payerAta, payer.publicKey, 5_000_000),
      createTransferCheckedInstruction(payerAta, mint.publicKey, aliceAta, payer.publicKey, 1_250_000, 6),
    );
    const sig = await sendAndConfirmTransaction(c, tx, [payer, mint], { commitment: 'confirmed' });
    const got = await c.getParsedTransaction(sig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    assert.ok(got);
    const ixs = got.transaction.message.instructions.map(parsed);
    assert.deepEqual(ixs.map((i) => [i.program, i.parsed.type]), [
      ['system', 'createAccount'],
      ['spl-token', 'initializeMint2'],
      ['spl-associated-token-account', 'createIdempotent'],
      ['spl-associated-token-account', 'createIdempotent'],
      ['spl-token', 'mintTo'],
      ['spl-token', 'transferChecked'],
    ]);
    assert.deepEqual(ixs[0].parsed.info, { source: payer.publicKey.toBase58(), newAccount: mint.publicKey.toBase58(), lamports: rent, space: MINT_SIZE, owner: TOKEN_PROGRAM_ID.toBase58() });
    assert.deepEqual(ixs[1].parsed.info, { mint: mint.publicKey.toBase58(), decimals: 6, mintAuthority: payer.publicKey.toBase58() });
    assert.deepEqual(ixs[4].parsed.info, { mint: mint.publicKey.toBase58(), account: payerAta.toBase58(), amount: '5000000', mintAuthority: payer.publicKey.toBase58() });
    assert.deepEqual(ixs[5].parsed.info, {
      source: payerAta.toBase58(),
      mint: mint.publicKey.toBase58(),
      destination: aliceAta.toBase58(),
      authority: payer.publicKey.toBase58(),
      tokenAmount: { amount: '1250000', decimals: 6, uiAmount: 1.25, uiAmountString: '1.25' },
    });
    // The associated token program's CPIs: System (create the account) and Token (initialize it).
    const inner = got.meta!.innerInstructions!.find((g) => g.index === 3)!;
    const innerTypes = inner.instructions.map((ix) => {
      const p = parsed(ix);
      return `${p.program}:${p.parsed.type}`;
    });
    assert.ok(innerTypes.includes('system:createAccount') || innerTypes.includes('system:transfer'), innerTypes.join());
    assert.ok(innerTypes.includes('spl-token:initializeAccount3'), innerTypes.join());
    const initAccount = inner.instructions.map(parsed).find((p) => p.parsed.type === 'initializeAccount3')!;
    assert.deepEqual(initAccount.parsed.info, { account: aliceAta.toBase58(), mint: mint.publicKey.toBase58(), owner: alice.toBase58() });
  });

  it('leaves programs it has no parser for partially decoded (Compute Budget), next to a parsed transfer', async () => {
    const to = Keypair.generate().publicKey;
    const tx = new Transaction().add(ComputeBudgetProgram.setComputeUnitLimit({ units: 50_000 }), SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1_000_000 }));
    const sig = await sendAndConfirmTransaction(c, tx, [payer], { commitment: 'confirmed' });
    const got = await c.getParsedTransaction(sig, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
    const [budget, transfer] = got!.transaction.message.instructions;
    assert.ok(!('parsed' in budget));
    assert.equal((budget as PartiallyDecodedInstruction).programId.toBase58(), ComputeBudgetProgram.programId.toBase58());
    assert.deepEqual(parsed(transfer).parsed, { type: 'transfer', info: { source: payer.publicKey.toBase58(), destination: to.toBase58(), lamports: 1_000_000 } });
  });

  it("shows an upgradeable program and its ProgramData in the loader's parsed form", async () => {
    const elf = readFileSync(join(REPO_ROOT, 'target/deploy/peer_staking.so'));
    const programId = Keypair.generate().publicKey;
    const programData = programDataAddress(programId);
    const authority = payer.publicKey;
    const data = Buffer.alloc(PROGRAM_DATA_HEADER + elf.length);
    data.writeUInt32LE(3, 0);
    data.writeBigUInt64LE(7n, 4);
    data[12] = 1;
    authority.toBuffer().copy(data, 13);
    elf.copy(data, PROGRAM_DATA_HEADER);
    const program = Buffer.alloc(36);
    program.writeUInt32LE(2, 0);
    programData.toBuffer().copy(program, 4);
    const loader = UPGRADEABLE_LOADER.toBase58();
    await net.bank.setAccounts([
      { address: programData.toBase58(), state: { lamports: 10n ** 9n, owner: loader, executable: false, data } },
      { address: programId.toBase58(), state: { lamports: 10n ** 7n, owner: loader, executable: true, data: program } },
    ]);
    const info = await c.getParsedAccountInfo(programId);
    assert.ok(info.value && 'parsed' in (info.value.data as object));
    assert.deepEqual(info.value.data, { program: 'bpf-upgradeable-loader', parsed: { type: 'program', info: { programData: programData.toBase58() } }, space: 36 });
    const pd = await c.getParsedAccountInfo(programData);
    const pdData = pd.value!.data as { program: string; parsed: { type: string; info: { slot: number; authority: string; data: [string, string] } } };
    assert.equal(pdData.program, 'bpf-upgradeable-loader');
    assert.equal(pdData.parsed.type, 'programData');
    assert.equal(pdData.parsed.info.slot, 7);
    assert.equal(pdData.parsed.info.authority, authority.toBase58());
    assert.ok(Buffer.from(pdData.parsed.info.data[0], 'base64').equals(elf));
  });
});
