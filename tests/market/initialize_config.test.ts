/**
 * initialize_config: the happy path, then one test per check — each asserts the named error
 * and that no account changed.
 */
import { BN, BorshCoder, EventParser } from '@coral-xyz/anchor';
import { AccountLayout, MINT_SIZE, MintLayout, TOKEN_PROGRAM_ID, unpackAccount } from '@solana/spl-token';
import { Keypair, PublicKey, TransactionInstruction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded, type EmbeddedEnv } from '../fixtures/embedded/env';
import { defaultParams, type ConfigParams } from '../fixtures/embedded/params';
import {
  initializeConfigAccounts,
  initializeConfigIx,
  initializeMarket,
  marketAccounts,
  type MarketAccounts,
} from '../fixtures/embedded/market';
import { OUT_OF_BOUNDS } from '../harness/params';
import { snapshot, expectUnchanged } from '../harness/state';
import { createMint, createTokenAccount } from '../fixtures/embedded/tokens';
import { expectError, expectOk, send } from '../fixtures/embedded/tx';

describe('peer_market: initialize_config', () => {
  let env: EmbeddedEnv;
  let m: MarketAccounts;

  beforeEach(async () => {
    env = await startEmbedded();
    m = await marketAccounts(env);
  });

  /** Sends initialize_config built by `edit` and asserts it fails with `name`, changing nothing. */
  async function expectRejected(
    name: string,
    edit: (ix: TransactionInstruction) => void = () => {},
    opts: { params?: ConfigParams; accounts?: Partial<ReturnType<typeof initializeConfigAccounts>>; signers?: Keypair[] } = {},
  ): Promise<void> {
    const accounts = { ...initializeConfigAccounts(env, m), ...opts.accounts };
    const ix = await initializeConfigIx(env, accounts, opts.params ?? defaultParams());
    edit(ix);
    const watched = [m.config, m.usdcVault, m.feeLedger, env.admin.publicKey, m.treasury, m.stakingRewardVault];
    const before = await snapshot(env.context, watched);
    expectError(await send(env.context, [ix], opts.signers ?? [env.admin]), name);
    await expectUnchanged(env.context, before);
  }

  it('creates the config and the USDC vault with every parameter', async () => {
    const params = defaultParams();
    const { result } = await initializeMarket(env, params);
    const config = await env.market.account.config.fetch(m.config);
    assert.ok(config.admin.equals(env.admin.publicKey));
    assert.ok(config.pendingAdmin.equals(PublicKey.default));
    assert.ok(config.usdcMint.equals(env.usdcMint));
    assert.ok(config.peerMint.equals(env.peerMint));
    assert.ok(config.usdcVault.equals(m.usdcVault));
    assert.equal(config.peerDecimals, 9);
    assert.equal(config.params.workerFeeBps, 7_000);
    assert.equal(config.params.stakerShareBps, 8_000);
    assert.deepEqual(config.params.minBond.map((b: BN) => b.toString()), params.minBond.map((b) => b.toString()));
    assert.equal(config.params.challengeWindowSecs, params.challengeWindowSecs);
    assert.equal(config.params.paused, false);

    const vault = await env.context.banksClient.getAccount(m.usdcVault);
    assert.ok(vault && vault.owner.equals(TOKEN_PROGRAM_ID));
    const token = unpackAccount(m.usdcVault, { ...vault, data: Buffer.from(vault.data) });
    assert.ok(token.mint.equals(env.usdcMint));
    assert.ok(token.owner.equals(m.config), 'the vault is owned by the config PDA');
    assert.equal(token.amount, 0n);

    const rent = await env.context.banksClient.getRent();
    const configInfo = await env.context.banksClient.getAccount(m.config);
    assert.equal(BigInt(configInfo!.lamports), rent.minimumBalance(BigInt(configInfo!.data.length)), 'rent exempt, no more');

    const parser = new EventParser(env.marketId, new BorshCoder(env.market.idl));
    const events = [...parser.parseLogs(result.logs)];
    assert.equal(events.length, 1);
    assert.equal(events[0].name, 'configInitialized');
    assert.ok((events[0].data.admin as PublicKey).equals(env.admin.publicKey));
  });

  it('creates the fee ledger PDA, empty', async () => {
    await initializeMarket(env);
    const [address, bump] = PublicKey.findProgramAddressSync([Buffer.from('fee_ledger')], env.marketId);
    assert.ok(m.feeLedger.equals(address));
    const ledger = await env.market.account.feeLedger.fetch(m.feeLedger);
    assert.equal(ledger.stakerFees.toString(), '0');
    assert.equal(ledger.treasuryFees.toString(), '0');
    assert.equal(ledger.totalStakerFees.toString(), '0');
    assert.equal(ledger.totalTreasuryFees.toString(), '0');
    assert.equal(ledger.jobsFinalized.toString(), '0');
    assert.equal(ledger.bump, bump);
    const info = await env.context.banksClient.getAccount(m.feeLedger);
    const rent = await env.context.banksClient.getRent();
    assert.equal(BigInt(info!.lamports), rent.minimumBalance(BigInt(info!.data.length)), 'rent exempt, no more');
  });

  it('rejects a fee ledger that is not the PDA', async () => {
    await expectRejected('ConstraintSeeds', undefined, { accounts: { feeLedger: Keypair.generate().publicKey } });
  });

  it('rejects a read-only fee ledger', async () => {
    await expectRejected('ConstraintMut', (ix) => (ix.keys[6].isWritable = false));
  });

  it('rejects a second initialization', async () => {
    await initializeMarket(env);
    await expectRejected('ConfigAlreadyInitialized');
  });

  it('rejects an admin that is not the upgrade authority', async () => {
    const intruder = Keypair.generate();
    await env.context.setAccount(intruder.publicKey, {
      lamports: 10_000_000_000,
      data: Buffer.alloc(0),
      owner: PublicKey.default,
      executable: false,
    });
    await expectRejected('NotUpgradeAuthority', undefined, {
      accounts: { admin: intruder.publicKey },
      signers: [intruder],
    });
  });

  it('rejects an admin that did not sign', async () => {
    await expectRejected('AccountNotSigner', (ix) => (ix.keys[0].isSigner = false), { signers: [] });
  });

  it('rejects a read-only admin', async () => {
    await expectRejected('ConstraintMut', (ix) => (ix.keys[0].isWritable = false));
  });

  it('rejects a read-only config', async () => {
    await expectRejected('ConstraintMut', (ix) => (ix.keys[1].isWritable = false));
  });

  it('rejects a config that is not the PDA', async () => {
    await expectRejected('ConstraintSeeds', undefined, { accounts: { config: Keypair.generate().publicKey } });
  });

  it('rejects a vault that is not the PDA', async () => {
    await expectRejected('ConstraintSeeds', undefined, { accounts: { usdcVault: Keypair.generate().publicKey } });
  });

  it('rejects a program_data account that is not this program\'s', async () => {
    await expectRejected('ConstraintSeeds', undefined, { accounts: { programData: Keypair.generate().publicKey } });
  });

  it('rejects a USDC mint without 6 decimals', async () => {
    const nineDecimals = await createMint(env.context, 9, env.mintAuthority.publicKey);
    await expectRejected('InvalidUsdcMint', undefined, { accounts: { usdcMint: nineDecimals } });
  });

  it('rejects a fake USDC mint owned by another program', async () => {
    const real = await env.context.banksClient.getAccount(env.usdcMint);
    const fake = Keypair.generate().publicKey;
    await env.context.setAccount(fake, { ...real!, owner: Keypair.generate().publicKey });
    await expectRejected('InvalidUsdcMint', undefined, { accounts: { usdcMint: fake } });
  });

  it('rejects an uninitialized USDC mint', async () => {
    const data = Buffer.alloc(MINT_SIZE);
    MintLayout.encode(
      { mintAuthorityOption: 0, mintAuthority: PublicKey.default, supply: 0n, decimals: 6, isInitialized: false, freezeAuthorityOption: 0, freezeAuthority: PublicKey.default },
      data,
    );
    const fake = Keypair.generate().publicKey;
    await env.context.setAccount(fake, { lamports: 1_000_000_000, data, owner: TOKEN_PROGRAM_ID, executable: false });
    await expectRejected('InvalidUsdcMint', undefined, { accounts: { usdcMint: fake } });
  });

  it('rejects a $PEER mint equal to the USDC mint', async () => {
    await expectRejected('InvalidPeerMint', undefined, { accounts: { peerMint: env.usdcMint } });
  });

  it('rejects a $PEER mint that is a token account, not a mint', async () => {
    await expectRejected('InvalidPeerMint', undefined, { accounts: { peerMint: m.treasury } });
  });

  it('rejects a treasury of the wrong mint', async () => {
    const peerAccount = await createTokenAccount(env.context, env.peerMint, Keypair.generate().publicKey);
    await expectRejected('InvalidTokenAccount', undefined, { accounts: { treasury: peerAccount } });
  });

  it('rejects a fake treasury owned by another program', async () => {
    const real = await env.context.banksClient.getAccount(m.treasury);
    assert.equal(real!.data.length, AccountLayout.span);
    const fake = Keypair.generate().publicKey;
    await env.context.setAccount(fake, { ...real!, owner: Keypair.generate().publicKey });
    await expectRejected('InvalidTokenAccount', undefined, { accounts: { treasury: fake } });
  });

  it('rejects a staking reward vault that is not a token account', async () => {
    await expectRejected('InvalidTokenAccount', undefined, { accounts: { stakingRewardVault: env.usdcMint } });
  });

  it('rejects a wrong token program', async () => {
    await expectRejected('ConstraintAddress', undefined, { accounts: { tokenProgram: Keypair.generate().publicKey } });
  });

  it('rejects a wrong system program', async () => {
    await expectRejected('ConstraintAddress', undefined, { accounts: { systemProgram: TOKEN_PROGRAM_ID } });
  });

  it('rejects too few accounts', async () => {
    await expectRejected('AccountNotEnoughKeys', (ix) => ix.keys.splice(5));
  });

  it('rejects instruction data of the wrong length', async () => {
    await expectRejected('InstructionDidNotDeserialize', (ix) => (ix.data = ix.data.subarray(0, ix.data.length - 1)));
  });

  it('rejects a bool that is neither 0 nor 1', async () => {
    await expectRejected('InstructionDidNotDeserialize', (ix) => {
      ix.data = Buffer.from(ix.data);
      ix.data[ix.data.length - 49] = 2; // `paused`: before the 32-byte attestation authority, peer_per_credit (u64) and four u16 shares
    });
  });

  it('rejects data shorter than a discriminator', async () => {
    await expectRejected('InstructionMissing', (ix) => (ix.data = Buffer.from([1, 2, 3])));
  });

  it('rejects an unknown instruction', async () => {
    await expectRejected('InstructionFallbackNotFound', (ix) => (ix.data = Buffer.alloc(ix.data.length, 7)));
  });
});

describe('peer_market: initialize_config parameter bounds', () => {
  let env: EmbeddedEnv;
  let m: MarketAccounts;

  before(async () => {
    env = await startEmbedded();
    m = await marketAccounts(env);
  });

  for (const c of OUT_OF_BOUNDS) {
    it(`rejects ${c.what} with ${c.error}`, async () => {
      const params = defaultParams();
      c.edit(params);
      const ix = await initializeConfigIx(env, initializeConfigAccounts(env, m), params);
      const before = await snapshot(env.context, [m.config, m.usdcVault]);
      expectError(await send(env.context, [ix], [env.admin]), c.error);
      await expectUnchanged(env.context, before);
    });
  }

  it('accepts every parameter exactly at its bounds', async () => {
    const p = defaultParams();
    Object.assign(p, {
      workerFeeBps: 9_500,
      stakerShareBps: 10_000,
      minBond: [new BN(0), new BN(0), new BN('1000000000000000')],
      validatorMinBond: new BN(1),
      challengeBond: new BN('1000000000000000'),
      unbondCooldownSecs: 3_600,
      claimDelaySecs: 0,
      jobTimeoutSecs: 30,
      challengeWindowSecs: 7 * 86_400,
      commitWindowSecs: 60,
      revealWindowSecs: 3 * 86_400,
      slashBps: 10_000,
      challengerRewardBps: 0,
      timeoutSlashBps: 1_000,
      voteQuorum: 32,
      maxJobAttempts: 10,
      paused: true,
    });
    const ix = await initializeConfigIx(env, initializeConfigAccounts(env, m), p);
    expectOk(await send(env.context, [ix], [env.admin]));
    const config = await env.market.account.config.fetch(m.config);
    assert.equal(config.params.voteQuorum, 32);
    assert.equal(config.params.paused, true);
  });
});
