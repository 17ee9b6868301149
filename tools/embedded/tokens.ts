/** Real SPL Token mints and accounts, created through the Token program in bankrun. */
import {
  ACCOUNT_SIZE,
  createInitializeAccount3Instruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  unpackAccount,
  unpackMint,
} from '@solana/spl-token';
import { Keypair, PublicKey, SystemProgram } from '@solana/web3.js';
import type { ProgramTestContext } from 'solana-bankrun';
import { expectOk, send } from './tx';

export const USDC_DECIMALS = 6;
export const PEER_DECIMALS = 9;

async function rent(context: ProgramTestContext, size: number): Promise<number> {
  return Number((await context.banksClient.getRent()).minimumBalance(BigInt(size)));
}

export async function createMint(context: ProgramTestContext, decimals: number, authority: PublicKey): Promise<PublicKey> {
  const mint = Keypair.generate();
  expectOk(
    await send(
      context,
      [
        SystemProgram.createAccount({
          fromPubkey: context.payer.publicKey,
          newAccountPubkey: mint.publicKey,
          lamports: await rent(context, MINT_SIZE),
          space: MINT_SIZE,
          programId: TOKEN_PROGRAM_ID,
        }),
        createInitializeMint2Instruction(mint.publicKey, decimals, authority, null),
      ],
      [mint],
    ),
  );
  return mint.publicKey;
}

export async function createTokenAccount(context: ProgramTestContext, mint: PublicKey, owner: PublicKey): Promise<PublicKey> {
  const account = Keypair.generate();
  expectOk(
    await send(
      context,
      [
        SystemProgram.createAccount({
          fromPubkey: context.payer.publicKey,
          newAccountPubkey: account.publicKey,
          lamports: await rent(context, ACCOUNT_SIZE),
          space: ACCOUNT_SIZE,
          programId: TOKEN_PROGRAM_ID,
        }),
        createInitializeAccount3Instruction(account.publicKey, mint, owner),
      ],
      [account],
    ),
  );
  return account.publicKey;
}

export async function mintTo(
  context: ProgramTestContext,
  mint: PublicKey,
  destination: PublicKey,
  authority: Keypair,
  amount: bigint,
): Promise<void> {
  expectOk(await send(context, [createMintToInstruction(mint, destination, authority.publicKey, amount)], [authority]));
}

export async function tokenBalance(context: ProgramTestContext, account: PublicKey): Promise<bigint> {
  const info = await context.banksClient.getAccount(account);
  if (!info) throw new Error(`token account ${account.toBase58()} does not exist`);
  return unpackAccount(account, { ...info, data: Buffer.from(info.data) }).amount;
}

export async function mintSupply(context: ProgramTestContext, mint: PublicKey): Promise<bigint> {
  const info = await context.banksClient.getAccount(mint);
  if (!info) throw new Error(`mint ${mint.toBase58()} does not exist`);
  return unpackMint(mint, { ...info, data: Buffer.from(info.data) }).supply;
}
