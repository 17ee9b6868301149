/** peer_market in the embedded runtime: its accounts and an initialized market. */
import { TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { Keypair, PublicKey, SystemProgram, TransactionInstruction } from '@solana/web3.js';
import { findConfigPda, findProgramDataAddress, findUsdcVaultPda } from '../../sdk/src/pda';
import { defaultParams, type ConfigParams } from '../../migrations/params';
import type { EmbeddedEnv } from './env';
import { createTokenAccount } from './tokens';
import { expectOk, send, type TxResult } from './tx';

export interface MarketAccounts {
  config: PublicKey;
  usdcVault: PublicKey;
  programData: PublicKey;
  treasury: PublicKey;
  stakingRewardVault: PublicKey;
}

/** Treasury and staking reward vault: USDC token accounts owned by fresh wallets. */
export async function marketAccounts(env: EmbeddedEnv): Promise<MarketAccounts> {
  return {
    config: findConfigPda(env.marketId)[0],
    usdcVault: findUsdcVaultPda(env.marketId)[0],
    programData: findProgramDataAddress(env.marketId)[0],
    treasury: await createTokenAccount(env.context, env.usdcMint, Keypair.generate().publicKey),
    stakingRewardVault: await createTokenAccount(env.context, env.usdcMint, Keypair.generate().publicKey),
  };
}

export type InitializeConfigAccounts = Parameters<
  ReturnType<EmbeddedEnv['market']['methods']['initializeConfig']>['accountsStrict']
>[0];

export function initializeConfigAccounts(env: EmbeddedEnv, m: MarketAccounts, admin: PublicKey = env.admin.publicKey): InitializeConfigAccounts {
  return {
    admin,
    config: m.config,
    programData: m.programData,
    usdcMint: env.usdcMint,
    peerMint: env.peerMint,
    usdcVault: m.usdcVault,
    treasury: m.treasury,
    stakingRewardVault: m.stakingRewardVault,
    tokenProgram: TOKEN_PROGRAM_ID,
    systemProgram: SystemProgram.programId,
  };
}

export async function initializeConfigIx(
  env: EmbeddedEnv,
  accounts: InitializeConfigAccounts,
  params: ConfigParams = defaultParams(),
): Promise<TransactionInstruction> {
  return env.market.methods.initializeConfig(params).accountsStrict(accounts).instruction();
}

export async function initializeMarket(env: EmbeddedEnv, params: ConfigParams = defaultParams()): Promise<{ accounts: MarketAccounts; result: TxResult }> {
  const accounts = await marketAccounts(env);
  const ix = await initializeConfigIx(env, initializeConfigAccounts(env, accounts), params);
  const result = expectOk(await send(env.context, [ix], [env.admin]));
  return { accounts, result };
}
