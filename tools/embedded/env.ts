/**
 * A bankrun test environment with every workspace program deployed through the upgradeable
 * loader layout (from Anchor.toml + target/deploy), an Anchor client per IDL, and real SPL
 * mints for USDC (6 decimals) and $PEER.
 */
import { AnchorProvider, Program } from '@coral-xyz/anchor';
import { Keypair, LAMPORTS_PER_SOL, PublicKey } from '@solana/web3.js';
import { BankrunProvider } from 'anchor-bankrun';
import { start, type AddedAccount, type ProgramTestContext } from 'solana-bankrun';
import type { PeerMarket } from '../../sdk/src/idl/peer_market';
import type { PeerStaking } from '../../sdk/src/idl/peer_staking';
import { BPF_UPGRADEABLE_LOADER, upgradeableProgramAccounts } from '../../sdk/src/loader';
import { createMint, PEER_DECIMALS, USDC_DECIMALS } from './tokens';
import { localnetPrograms, programBinary, programIdl } from '../workspace';

// bankrun logs every instruction at debug level unless told otherwise; keep output readable.
process.env.RUST_LOG ??= 'error';

export interface EmbeddedEnv {
  context: ProgramTestContext;
  provider: BankrunProvider;
  market: Program<PeerMarket>;
  marketId: PublicKey;
  staking: Program<PeerStaking>;
  stakingId: PublicKey;
  /** The programs' upgrade authority, and so the only key that may initialize them. */
  admin: Keypair;
  /** Mint authority of both test mints. */
  mintAuthority: Keypair;
  usdcMint: PublicKey;
  peerMint: PublicKey;
}

export function fundedAccount(address: PublicKey, sol = 100): AddedAccount {
  return {
    address,
    info: { lamports: sol * LAMPORTS_PER_SOL, data: Buffer.alloc(0), owner: new PublicKey(0), executable: false },
  };
}

export interface EnvOptions {
  /** Extra funded wallets to create. */
  wallets?: Keypair[];
}

export async function startEmbedded(opts: EnvOptions = {}): Promise<EmbeddedEnv> {
  const admin = Keypair.generate();
  const mintAuthority = Keypair.generate();
  const accounts: AddedAccount[] = [fundedAccount(admin.publicKey), ...(opts.wallets ?? []).map((w) => fundedAccount(w.publicKey))];
  const programs = localnetPrograms();
  for (const [name, programId] of Object.entries(programs)) {
    const deployed = upgradeableProgramAccounts(programId, programBinary(name), admin.publicKey);
    for (const acc of [deployed.program, deployed.programData]) {
      accounts.push({
        address: acc.address,
        info: {
          lamports: LAMPORTS_PER_SOL,
          data: acc.data,
          owner: BPF_UPGRADEABLE_LOADER,
          executable: acc === deployed.program,
        },
      });
    }
  }
  const context = await start([], accounts);
  const provider = new BankrunProvider(context);
  const market = new Program<PeerMarket>(programIdl<PeerMarket>('peer_market'), provider as unknown as AnchorProvider);
  const staking = new Program<PeerStaking>(programIdl<PeerStaking>('peer_staking'), provider as unknown as AnchorProvider);
  const usdcMint = await createMint(context, USDC_DECIMALS, mintAuthority.publicKey);
  const peerMint = await createMint(context, PEER_DECIMALS, mintAuthority.publicKey);
  return {
    context,
    provider,
    market,
    marketId: programs.peer_market,
    staking,
    stakingId: programs.peer_staking,
    admin,
    mintAuthority,
    usdcMint,
    peerMint,
  };
}
