/**
 * `peer up`'s on-chain setup over JSON-RPC, the way an operator would do it by hand: deploy and
 * bootstrap (migrations/deploy.ts), fund every wallet (SOL from the faucet, USDC and $PEER minted
 * by the admin, the local mint authority), shorten the windows so a demo dispute ends in minutes
 * of chain time, register the keeper as a matcher, bond the validators, stake.
 */
import { createMintToInstruction, getAccount, getAssociatedTokenAddressSync, getOrCreateAssociatedTokenAccount } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, sendAndConfirmTransaction, Transaction } from '@solana/web3.js';
import * as sdk from '../../sdk/src';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const USDC = 1_000_000n;
export const PEER = 1_000_000_000n;

export interface Chain {
  connection: Connection;
  transport: sdk.ConnectionTransport;
  usdcMint: PublicKey;
  peerMint: PublicKey;
  ctxOf(wallet: Keypair): sdk.PeerContext;
  /** Moves the local network's clock forward (peerDev_warpClock); a real cluster cannot. */
  warp(seconds: number): Promise<void>;
}

export function connect(rpcUrl: string, mints: { usdcMint: PublicKey; peerMint: PublicKey }): Chain {
  const connection = new Connection(rpcUrl, 'confirmed');
  const transport = new sdk.ConnectionTransport(connection, { pollMs: 100 });
  return {
    connection,
    transport,
    ...mints,
    ctxOf: (wallet) => sdk.createContext({ transport, wallet }),
    warp: async (seconds) => {
      const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'peerDev_warpClock', params: [seconds] }) });
      const body = (await res.json()) as { error?: { message: string } };
      if (body.error) throw new Error(`peerDev_warpClock: ${body.error.message}`);
    },
  };
}

/**
 * Deploys every built program and bootstraps the mints, market and staking pool: runs
 * `migrations/deploy.ts` (the same deploy an operator runs against devnet) as a child process,
 * shows its per-program lines, and reads the mints from its summary.
 */
export async function deployLocal(root: string, rpcUrl: string, adminKeyPath: string, walletsDir: string, say: (l: string) => void): Promise<Chain> {
  const args = ['--import', 'tsx', join(root, 'migrations/deploy.ts'), '-u', rpcUrl, '-k', adminKeyPath, '--wallets', walletsDir];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    const text = d.toString();
    out += text;
    // One progress line per program, not one per write transaction.
    for (const line of text.split('\n')) if (/^(deployed|upgraded|unchanged)\s/.test(line.trim())) say(`  ${line.trim().replace(/\s+/g, ' ')}`);
  });
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`deploy failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}`);
  const m = /USDC (\S+)\s+\$PEER (\S+)/.exec(out);
  if (!m) throw new Error('deploy printed no mints: did the bootstrap run?');
  say(`  USDC mint ${m[1]}, $PEER mint ${m[2]}; market config and staking pool initialized`);
  return connect(rpcUrl, { usdcMint: new PublicKey(m[1]), peerMint: new PublicKey(m[2]) });
}

export async function airdrop(chain: Chain, to: PublicKey, sol: number): Promise<void> {
  const sig = await chain.connection.requestAirdrop(to, sol * LAMPORTS_PER_SOL);
  await chain.connection.confirmTransaction(sig, 'confirmed');
}

export async function mintTo(chain: Chain, admin: Keypair, mint: PublicKey, owner: PublicKey, amount: bigint): Promise<void> {
  const ata = await getOrCreateAssociatedTokenAccount(chain.connection, admin, mint, owner);
  await sendAndConfirmTransaction(chain.connection, new Transaction().add(createMintToInstruction(mint, ata.address, admin.publicKey, amount)), [admin], { commitment: 'confirmed' });
}

export async function tokenBalance(chain: Chain, mint: PublicKey, owner: PublicKey): Promise<bigint> {
  try {
    return (await getAccount(chain.connection, getAssociatedTokenAddressSync(mint, owner, true), 'confirmed')).amount;
  } catch {
    return 0n;
  }
}

export interface Funding {
  sol: number;
  usdc?: bigint;
  peer?: bigint;
}

/** Funds each wallet as asked: SOL airdrop, USDC and $PEER minted by the admin. */
export async function fundWallets(chain: Chain, admin: Keypair, wallets: { name: string; key: PublicKey; funds: Funding }[]): Promise<void> {
  await Promise.all(
    wallets.map(async ({ key, funds }) => {
      await airdrop(chain, key, funds.sol);
      if (funds.usdc) await mintTo(chain, admin, chain.usdcMint, key, funds.usdc);
      if (funds.peer) await mintTo(chain, admin, chain.peerMint, key, funds.peer);
    }),
  );
}

/**
 * Demo windows, in chain seconds. The driver warps the clock past each one, so their length costs
 * no waiting; they are long enough that slow validators on a loaded machine (the wall clock moves
 * the chain clock too) still challenge, commit and reveal inside them.
 */
export const DEMO_WINDOWS = { challenge: 120, commit: 300, reveal: 300 } as const;

/** The demo windows and the roles the services need on chain. */
export async function configureMarket(
  chain: Chain,
  admin: Keypair,
  roles: { keeper: PublicKey; attestationAuthority: PublicKey; validators: Keypair[]; staker: Keypair; quorum: number },
): Promise<void> {
  const adminCtx = chain.ctxOf(admin);
  await sdk.updateConfig(adminCtx, {
    challengeWindowSecs: DEMO_WINDOWS.challenge,
    commitWindowSecs: DEMO_WINDOWS.commit,
    revealWindowSecs: DEMO_WINDOWS.reveal,
    claimDelaySecs: 5,
    jobTimeoutSecs: 600,
    voteQuorum: roles.quorum,
    attestationAuthority: roles.attestationAuthority,
  });
  await sdk.addMatcher(adminCtx, { matcher: roles.keeper });
  for (const v of roles.validators) await sdk.registerValidator(chain.ctxOf(v), { amount: 2_000n * PEER });
  await sdk.stake(chain.ctxOf(roles.staker), { amount: 10_000n * PEER });
}
