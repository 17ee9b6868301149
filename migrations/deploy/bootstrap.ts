/**
 * After the programs are deployed: the mints, the treasury, test wallets on a local network,
 * then `peer_staking.initialize` (when that program is deployed) and `peer_market.initialize_config`,
 * each skipped when already done, so the whole bootstrap can run any number of times.
 *
 * Addresses the bootstrap creates (mints, the fallback reward vault) come from keypairs derived
 * from the admin key and a label, so a re-run finds what an earlier run created.
 */
import { AnchorProvider, Program, Wallet, type Idl } from '@coral-xyz/anchor';
import {
  ACCOUNT_SIZE,
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeAccount3Instruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  getAssociatedTokenAddressSync,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  unpackAccount,
  unpackMint,
} from '@solana/spl-token';
import { Keypair, LAMPORTS_PER_SOL, PublicKey, SystemProgram, type Connection } from '@solana/web3.js';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findConfigPda } from '../../sdk/src/pda';
import { defaultMarketParams, defaultPoolParams } from '../../sdk/src/flows/settings';
import { peerMarket, peerStaking } from '../../sdk/src/programs';
import { readKeypair, writeKeypair, type ClusterKind } from './cluster';
import { programDataAddress } from './loader';
import { airdrop, type TxSender } from './send';

export const USDC_DECIMALS = 6;
export const PEER_DECIMALS = 9;
const USDC = 10n ** 6n;
const PEER = 10n ** 9n;

/** Circle's USDC on each public cluster. */
export const KNOWN_USDC: Partial<Record<ClusterKind, string>> = {
  'mainnet-beta': 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
  devnet: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
};

/** Test wallets a local network gets, each with SOL, USDC and $PEER. */
export const TEST_WALLETS = ['client', 'worker', 'staker', 'validator'] as const;
const WALLET_SOL = 100;
const WALLET_USDC = 10_000n * USDC;
const WALLET_PEER = 100_000n * PEER;

export interface BootstrapOptions {
  cluster: ClusterKind;
  /** Program ids and IDLs of what was deployed. */
  programs: { name: string; programId: PublicKey; idl: Idl | null }[];
  usdcMint?: PublicKey;
  peerMint?: PublicKey;
  /** Where test wallet keypairs are kept (local networks only). */
  walletsDir: string;
  log: (line: string) => void;
}

export interface BootstrapResult {
  usdcMint: PublicKey;
  peerMint: PublicKey;
  treasury: PublicKey;
  stakingRewardVault: PublicKey;
  wallets: { name: string; publicKey: PublicKey; path: string }[];
  staking: { pool: PublicKey | null; initialized: boolean; note: string } | null;
  market: { config: PublicKey; initialized: boolean; note: string } | null;
}

function derivedKeypair(label: string, admin: PublicKey): Keypair {
  return Keypair.fromSeed(createHash('sha256').update(`peer-cycles:${label}:${admin.toBase58()}`).digest());
}

async function ensureMint(sender: TxSender, label: string, decimals: number, log: (line: string) => void): Promise<PublicKey> {
  const { connection, payer } = sender;
  const mint = derivedKeypair(label, payer.publicKey);
  const info = await connection.getAccountInfo(mint.publicKey, 'confirmed');
  if (info) {
    const m = unpackMint(mint.publicKey, info);
    if (m.decimals !== decimals) throw new Error(`${label} mint ${mint.publicKey.toBase58()} exists with ${m.decimals} decimals, expected ${decimals}`);
    log(`  ${label} mint ${mint.publicKey.toBase58()} (exists)`);
    return mint.publicKey;
  }
  await sender.send({
    label: `create ${label} mint`,
    instructions: [
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: mint.publicKey,
        lamports: await connection.getMinimumBalanceForRentExemption(MINT_SIZE),
        space: MINT_SIZE,
        programId: TOKEN_PROGRAM_ID,
      }),
      createInitializeMint2Instruction(mint.publicKey, decimals, payer.publicKey, null),
    ],
    signers: [mint],
  });
  log(`  ${label} mint ${mint.publicKey.toBase58()} (created, ${decimals} decimals, authority ${payer.publicKey.toBase58()})`);
  return mint.publicKey;
}

async function checkMint(connection: Connection, mint: PublicKey, what: string): Promise<void> {
  const info = await connection.getAccountInfo(mint, 'confirmed');
  if (!info) throw new Error(`${what} mint ${mint.toBase58()} does not exist on this cluster`);
  unpackMint(mint, info);
}

async function tokenBalance(connection: Connection, account: PublicKey): Promise<bigint> {
  const info = await connection.getAccountInfo(account, 'confirmed');
  return info ? unpackAccount(account, info).amount : 0n;
}

/** A USDC token account at a derived address, owned by `owner` (the reward vault when there is no staking program). */
async function ensureTokenAccount(sender: TxSender, label: string, mint: PublicKey, owner: PublicKey): Promise<PublicKey> {
  const { connection, payer } = sender;
  const account = derivedKeypair(label, payer.publicKey);
  if (await connection.getAccountInfo(account.publicKey, 'confirmed')) return account.publicKey;
  await sender.send({
    label: `create ${label}`,
    instructions: [
      SystemProgram.createAccount({
        fromPubkey: payer.publicKey,
        newAccountPubkey: account.publicKey,
        lamports: await connection.getMinimumBalanceForRentExemption(ACCOUNT_SIZE),
        space: ACCOUNT_SIZE,
        programId: TOKEN_PROGRAM_ID,
      }),
      createInitializeAccount3Instruction(account.publicKey, mint, owner),
    ],
    signers: [account],
  });
  return account.publicKey;
}

async function fundWallets(sender: TxSender, usdcMint: PublicKey, peerMint: PublicKey, dir: string, log: (line: string) => void): Promise<BootstrapResult['wallets']> {
  const { connection, payer } = sender;
  const out: BootstrapResult['wallets'] = [];
  for (const name of TEST_WALLETS) {
    const path = join(dir, `${name}.json`);
    let wallet: Keypair;
    if (existsSync(path)) wallet = readKeypair(path);
    else {
      wallet = Keypair.generate();
      writeKeypair(path, wallet);
    }
    const sol = await connection.getBalance(wallet.publicKey, 'confirmed');
    if (sol < (WALLET_SOL * LAMPORTS_PER_SOL) / 2) {
      await airdrop(connection, wallet.publicKey, WALLET_SOL * LAMPORTS_PER_SOL - sol);
    }
    const instructions = [];
    for (const [mint, target] of [
      [usdcMint, WALLET_USDC],
      [peerMint, WALLET_PEER],
    ] as const) {
      const ata = getAssociatedTokenAddressSync(mint, wallet.publicKey);
      const have = await tokenBalance(connection, ata);
      if (have >= target) continue;
      instructions.push(createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, ata, wallet.publicKey, mint));
      instructions.push(createMintToInstruction(mint, ata, payer.publicKey, target - have));
    }
    if (instructions.length > 0) await sender.send({ label: `fund ${name}`, instructions });
    log(`  wallet ${name.padEnd(9)} ${wallet.publicKey.toBase58()}  ${WALLET_SOL} SOL, ${WALLET_USDC / USDC} USDC, ${WALLET_PEER / PEER} $PEER  (${path})`);
    out.push({ name, publicKey: wallet.publicKey, path });
  }
  return out;
}

function provider(sender: TxSender): AnchorProvider {
  return new AnchorProvider(sender.connection, new Wallet(sender.payer), { commitment: 'confirmed' });
}

/** The address of a const-seeded PDA account of an IDL instruction (e.g. staking's reward vault). */
export function idlConstPda(idl: Idl, instruction: string, account: string, programId: PublicKey): PublicKey | null {
  const ix = idl.instructions.find((i) => i.name === instruction);
  const acc = ix?.accounts.find((a) => a.name === account) as { pda?: { seeds: { kind: string; value?: number[] }[] } } | undefined;
  if (!acc?.pda || !acc.pda.seeds.every((s) => s.kind === 'const' && Array.isArray(s.value))) return null;
  return PublicKey.findProgramAddressSync(acc.pda.seeds.map((s) => Buffer.from(s.value as number[])), programId)[0];
}

/**
 * The default economics, from their one home (the SDK's `defaultMarketParams` and
 * `defaultPoolParams`, product.md's values for $PEER with PEER_DECIMALS), encoded for Anchor.
 */
function marketParams(): unknown {
  return peerMarket.toAnchor(defaultMarketParams(PEER_DECIMALS), { defined: { name: 'configParams' } }, 'params');
}

function poolParams(): unknown {
  return peerStaking.toAnchor(defaultPoolParams(PEER_DECIMALS), { defined: { name: 'poolParams' } }, 'params');
}

async function initializeStaking(
  sender: TxSender,
  program: { programId: PublicKey; idl: Idl },
  accounts: { usdcMint: PublicKey; peerMint: PublicKey; treasury: PublicKey },
  log: (line: string) => void,
): Promise<NonNullable<BootstrapResult['staking']> & { rewardVault: PublicKey | null }> {
  const { idl, programId } = program;
  const init = idl.instructions.find((i) => i.name === 'initialize');
  if (!init) return { pool: null, initialized: false, rewardVault: null, note: 'peer_staking has no `initialize` instruction; skipped' };
  const pool = idlConstPda(idl, 'initialize', 'pool', programId);
  const rewardVault = idlConstPda(idl, 'initialize', 'reward_vault', programId);
  if (pool && (await sender.connection.getAccountInfo(pool, 'confirmed'))) {
    return { pool, initialized: false, rewardVault, note: 'already initialized' };
  }
  const staking = new Program({ ...idl, address: programId.toBase58() }, provider(sender));
  const ix = await staking.methods
    .initialize(poolParams())
    .accountsPartial({
      admin: sender.payer.publicKey,
      programData: programDataAddress(programId),
      peerMint: accounts.peerMint,
      usdcMint: accounts.usdcMint,
      treasury: accounts.treasury,
    })
    .instruction();
  await sender.send({ label: 'peer_staking initialize', instructions: [ix] });
  log(`  peer_staking initialized: pool ${pool?.toBase58() ?? '?'}, reward vault ${rewardVault?.toBase58() ?? '?'}`);
  return { pool, initialized: true, rewardVault, note: 'initialized' };
}

export async function bootstrap(sender: TxSender, opts: BootstrapOptions): Promise<BootstrapResult> {
  const { connection, payer } = sender;
  const { log, cluster } = opts;
  const local = cluster === 'localnet';

  let usdcMint = opts.usdcMint ?? (KNOWN_USDC[cluster] ? new PublicKey(KNOWN_USDC[cluster] as string) : null);
  if (usdcMint) await checkMint(connection, usdcMint, 'USDC');
  else usdcMint = await ensureMint(sender, 'usdc-mint', USDC_DECIMALS, log);
  let peerMint = opts.peerMint ?? null;
  if (peerMint) await checkMint(connection, peerMint, '$PEER');
  else if (cluster === 'mainnet-beta') throw new Error('on mainnet-beta pass --peer-mint: the deploy script does not create the $PEER token there');
  else peerMint = await ensureMint(sender, 'peer-mint', PEER_DECIMALS, log);

  const treasury = getAssociatedTokenAddressSync(usdcMint, payer.publicKey);
  if (!(await connection.getAccountInfo(treasury, 'confirmed'))) {
    await sender.send({ label: 'create treasury', instructions: [createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, treasury, payer.publicKey, usdcMint)] });
  }
  log(`  treasury (admin's USDC account) ${treasury.toBase58()}`);

  const wallets = local ? await fundWallets(sender, usdcMint, peerMint, opts.walletsDir, log) : [];

  let staking: BootstrapResult['staking'] = null;
  let stakingRewardVault: PublicKey | null = null;
  const stakingProgram = opts.programs.find((p) => p.name === 'peer_staking');
  if (stakingProgram?.idl) {
    const s = await initializeStaking(sender, { programId: stakingProgram.programId, idl: stakingProgram.idl }, { usdcMint, peerMint, treasury }, log);
    staking = { pool: s.pool, initialized: s.initialized, note: s.note };
    stakingRewardVault = s.rewardVault;
  } else {
    staking = { pool: null, initialized: false, note: 'peer_staking is not in target/deploy; skipped (the market pays stakers into a plain USDC account until it is)' };
    log(`  ${staking.note}`);
  }
  stakingRewardVault ??= await ensureTokenAccount(sender, 'staking-reward-vault', usdcMint, payer.publicKey);

  let market: BootstrapResult['market'] = null;
  const marketProgram = opts.programs.find((p) => p.name === 'peer_market');
  if (marketProgram?.idl) {
    const [config] = findConfigPda(marketProgram.programId);
    if (await connection.getAccountInfo(config, 'confirmed')) {
      market = { config, initialized: false, note: 'already initialized' };
      log(`  peer_market config ${config.toBase58()} (exists)`);
    } else {
      const program = new Program({ ...marketProgram.idl, address: marketProgram.programId.toBase58() }, provider(sender));
      const ix = await program.methods
        .initializeConfig(marketParams())
        .accountsPartial({
          admin: payer.publicKey,
          config,
          programData: programDataAddress(marketProgram.programId),
          usdcMint,
          peerMint,
          treasury,
          stakingRewardVault,
        })
        .instruction();
      await sender.send({ label: 'peer_market initialize_config', instructions: [ix] });
      market = { config, initialized: true, note: 'initialized with the default economics' };
      log(`  peer_market config ${config.toBase58()} initialized (admin ${payer.publicKey.toBase58()})`);
    }
  }
  return { usdcMint, peerMint, treasury, stakingRewardVault, wallets, staking, market };
}
