/**
 * buy_credits and redeem_credits: USDC in and out of the vault at 10,000 base units per credit,
 * every check with its named error and no state change.
 */
import { BN } from '@coral-xyz/anchor';
import { Keypair, PublicKey, SystemProgram } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, CREDIT_BASE_UNITS, findCreditAccountPda, Market, type Actor } from '../fixtures/embedded/market';
import { createMint, tokenBalance } from '../fixtures/embedded/tokens';
import { cloneAccount, otherProgram } from '../harness/accounts';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

const U64_MAX = (1n << 64n) - 1n;

describe('peer_market: buy_credits', () => {
  let m: Market;

  before(async () => {
    m = await Market.create(await startEmbedded());
  });
  afterEach(() => assertConservation(m));

  it('creates the credit account on first use and moves credits × 10,000 USDC into the vault', async () => {
    // Given a wallet with 12.34 USDC
    const a = await m.actor({ usdc: 12_340_000n });
    const lamports = await m.lamports(a.publicKey);
    // When it buys 1,000 credits ($10)
    const { result, creditAccount } = await m.buyCredits(a, 1_000n, false);
    // Then its credit account is the PDA, holds 1,000 credits, and the vault got $10
    const [pda, bump] = findCreditAccountPda(m.programId, a.publicKey);
    assert.ok(creditAccount.equals(pda));
    const c = await m.credits(creditAccount);
    assert.ok(c.owner.equals(a.publicKey));
    assert.equal(big(c.balance), 1_000n);
    assert.equal(big(c.locked), 0n);
    assert.equal(big(c.jobsPosted), 0n);
    assert.equal(c.bump, bump);
    assert.equal(await tokenBalance(m.context, a.usdc), 2_340_000n);
    assert.equal(await tokenBalance(m.context, m.accounts.usdcVault), 10_000_000n);
    // and the owner paid exactly the rent
    assert.equal(lamports - (await m.lamports(a.publicKey)), await m.rentFor(creditAccount));
    const ev = m.event(result, 'creditsChanged');
    assert.ok((ev.owner as PublicKey).equals(a.publicKey));
    assert.equal((ev.bought as BN).toString(), '1000');
    assert.equal((ev.redeemed as BN).toString(), '0');
    assert.equal((ev.balance as BN).toString(), '1000');
  });

  it('adds to an existing account without touching the rest of it', async () => {
    const { actor, creditAccount } = await m.client(10n);
    const lamports = await m.lamports(actor.publicKey);
    await m.buyCredits(actor, 5n);
    const c = await m.credits(creditAccount);
    assert.equal(big(c.balance), 15n);
    assert.equal(await m.lamports(actor.publicKey), lamports, 'no second rent');
  });

  it('rejects zero credits (InvalidAmount)', async () => {
    const a = await m.actor({ usdc: 1_000_000n });
    await reject(m, await m.buyCreditsCall(a, 0n), 'InvalidAmount');
  });

  it('refuses someone else\'s credit account (NotCreditOwner)', async () => {
    const { creditAccount } = await m.client(10n);
    const intruder = await m.actor({ usdc: 1_000_000n });
    await reject(m, await m.buyCreditsCall(intruder, 1n, { accounts: { creditAccount } }), 'NotCreditOwner');
  });

  it('refuses to create a credit account that is not the owner\'s PDA (ConstraintSeeds)', async () => {
    const a = await m.actor({ usdc: 1_000_000n });
    const b = await m.actor();
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { creditAccount: m.creditAddress(b.publicKey) } }), 'ConstraintSeeds');
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { creditAccount: Keypair.generate().publicKey } }), 'ConstraintSeeds');
  });

  it('rejects a source of another mint, including a USDC lookalike (WrongMint)', async () => {
    const a = await m.actor({ usdc: 1_000_000n, peer: 1_000_000n });
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { source: a.peer } }), 'WrongMint');
    const lookalike = await createMint(m.context, 6, m.env.mintAuthority.publicKey);
    const fakeUsdc = await m.tokenAccount(lookalike, a.publicKey);
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { source: fakeUsdc } }), 'WrongMint');
  });

  it('rejects credits whose USDC price overflows u64 (MathOverflow)', async () => {
    const a = await m.actor({ usdc: 1_000_000n });
    await reject(m, await m.buyCreditsCall(a, U64_MAX / CREDIT_BASE_UNITS + 1n), 'MathOverflow');
  });

  it('checks in the specified order: the credit account before the source mint', async () => {
    const { creditAccount: victim } = await m.client(10n);
    const a = await m.actor({ usdc: 1_000_000n, peer: 1_000_000n });
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { creditAccount: victim, source: a.peer } }), 'NotCreditOwner');
  });

  it('checks in the specified order: the source mint before the overflow', async () => {
    const a = await m.actor({ usdc: 1_000_000n, peer: 1_000_000n });
    await reject(m, await m.buyCreditsCall(a, U64_MAX / CREDIT_BASE_UNITS + 1n, { accounts: { source: a.peer } }), 'WrongMint');
  });

  it('fails without changing anything when the source cannot pay', async () => {
    const a = await m.actor({ usdc: 9_999n });
    const call = await m.buyCreditsCall(a, 1n);
    const { result } = await m.send(call);
    assert.equal(result.ok, false);
    assert.equal(await m.exists(m.creditAddress(a.publicKey)), false);
    assert.equal(await tokenBalance(m.context, a.usdc), 9_999n);
  });

  it('rejects a vault that is not the USDC vault PDA (ConstraintSeeds)', async () => {
    const a = await m.actor({ usdc: 1_000_000n });
    const attackerVault = await m.tokenAccount(m.env.usdcMint, a.publicKey);
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { usdcVault: attackerVault } }), 'ConstraintSeeds');
  });

  it('rejects the vault as the source (DuplicateMutableAccount)', async () => {
    const a = await m.actor({ usdc: 1_000_000n });
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { source: m.accounts.usdcVault } }), 'DuplicateMutableAccount');
  });

  it('rejects a worker or a job posing as the credit account (AccountDiscriminatorMismatch)', async () => {
    const a = await m.actor({ usdc: 1_000_000n });
    const { worker } = await m.registerWorker(a);
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { creditAccount: worker } }), 'AccountDiscriminatorMismatch');
    const { actor: client } = await m.client(100n);
    const { job } = await m.postJob(client);
    await reject(m, await m.buyCreditsCall(client, 1n, { accounts: { creditAccount: job } }), 'AccountDiscriminatorMismatch');
    await m.cancelJob(client, job);
  });

  it('treats a copy of a credit account owned by another program as a new account, at the wrong address (ConstraintSeeds)', async () => {
    const { actor, creditAccount } = await m.client(10n);
    const forged = await cloneAccount(m, creditAccount, { owner: otherProgram() });
    await reject(m, await m.buyCreditsCall(actor, 1n, { accounts: { creditAccount: forged } }), 'ConstraintSeeds');
  });

  it('redeems nothing from a copy of a credit account owned by another program (AccountOwnedByWrongProgram)', async () => {
    const { actor, creditAccount } = await m.client(10n);
    const forged = await cloneAccount(m, creditAccount, { owner: otherProgram() });
    await reject(m, await m.redeemCreditsCall(actor, 1n, { accounts: { creditAccount: forged } }), 'AccountOwnedByWrongProgram');
  });

  it('rejects an unsigned owner, read-only accounts, wrong programs and malformed data', async () => {
    const a = await m.actor({ usdc: 1_000_000n });
    const unsigned = await m.buyCreditsCall(a, 1n);
    unsigned.ix.keys[0].isSigner = false;
    unsigned.signers = [];
    await reject(m, unsigned, 'AccountNotSigner');
    for (const index of [0, 2, 3, 4]) {
      const call = await m.buyCreditsCall(a, 1n);
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { config: m.accounts.usdcVault } }), 'ConstraintSeeds');
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { tokenProgram: SystemProgram.programId } }), 'ConstraintAddress');
    await reject(m, await m.buyCreditsCall(a, 1n, { accounts: { systemProgram: Keypair.generate().publicKey } }), 'ConstraintAddress');
    const short = await m.buyCreditsCall(a, 1n);
    short.ix.data = short.ix.data.subarray(0, 12);
    await reject(m, short, 'InstructionDidNotDeserialize');
    const few = await m.buyCreditsCall(a, 1n);
    few.ix.keys.splice(4);
    await reject(m, few, 'AccountNotEnoughKeys');
  });
});

describe('peer_market: redeem_credits', () => {
  let m: Market;
  let a: Actor;
  let creditAccount: PublicKey;

  before(async () => {
    m = await Market.create(await startEmbedded());
    ({ actor: a, creditAccount } = await m.client(100n));
  });
  afterEach(() => assertConservation(m));

  it('turns credits back into USDC at the same rate', async () => {
    const usdc = await tokenBalance(m.context, a.usdc);
    const { result } = await m.redeemCredits(a, 30n);
    assert.equal(big((await m.credits(creditAccount)).balance), 70n);
    assert.equal((await tokenBalance(m.context, a.usdc)) - usdc, 30n * CREDIT_BASE_UNITS);
    const ev = m.event(result, 'creditsChanged');
    assert.equal((ev.redeemed as BN).toString(), '30');
    assert.equal((ev.balance as BN).toString(), '70');
  });

  it('redeems to any USDC account of the owner\'s choosing', async () => {
    const elsewhere = await m.tokenAccount(m.env.usdcMint, Keypair.generate().publicKey);
    await m.run(await m.redeemCreditsCall(a, 1n, { accounts: { destination: elsewhere } }));
    assert.equal(await tokenBalance(m.context, elsewhere), CREDIT_BASE_UNITS);
  });

  it('rejects zero (InvalidAmount) and more than the free balance (InsufficientCredits)', async () => {
    const balance = big((await m.credits(creditAccount)).balance);
    await reject(m, await m.redeemCreditsCall(a, 0n), 'InvalidAmount');
    await reject(m, await m.redeemCreditsCall(a, balance + 1n), 'InsufficientCredits');
  });

  it('cannot redeem credits locked by an open job (InsufficientCredits)', async () => {
    const { actor, creditAccount: mine } = await m.client(60n);
    const { job } = await m.postJob(actor, { maxPrice: 50n });
    assert.equal(big((await m.credits(mine)).balance), 10n);
    await reject(m, await m.redeemCreditsCall(actor, 11n), 'InsufficientCredits');
    await m.redeemCredits(actor, 10n);
    await m.cancelJob(actor, job);
    await m.redeemCredits(actor, 50n);
    assert.equal(big((await m.credits(mine)).balance), 0n);
  });

  it('refuses someone else\'s credit account (NotCreditOwner)', async () => {
    const intruder = await m.actor();
    await reject(m, await m.redeemCreditsCall(intruder, 1n, { accounts: { creditAccount } }), 'NotCreditOwner');
  });

  it('rejects a destination of another mint (WrongMint)', async () => {
    await reject(m, await m.redeemCreditsCall(a, 1n, { accounts: { destination: a.peer } }), 'WrongMint');
    const lookalike = await createMint(m.context, 6, m.env.mintAuthority.publicKey);
    const fakeUsdc = await m.tokenAccount(lookalike, a.publicKey);
    await reject(m, await m.redeemCreditsCall(a, 1n, { accounts: { destination: fakeUsdc } }), 'WrongMint');
  });

  it('rejects a vault that is not the PDA (ConstraintSeeds) and the vault as destination (DuplicateMutableAccount)', async () => {
    const attackerVault = await m.tokenAccount(m.env.usdcMint, a.publicKey);
    await reject(m, await m.redeemCreditsCall(a, 1n, { accounts: { usdcVault: attackerVault } }), 'ConstraintSeeds');
    await reject(m, await m.redeemCreditsCall(a, 1n, { accounts: { destination: m.accounts.usdcVault } }), 'DuplicateMutableAccount');
  });

  it('rejects a job posing as the credit account (AccountDiscriminatorMismatch)', async () => {
    const { job } = await m.postJob(a, { maxPrice: 1n });
    await reject(m, await m.redeemCreditsCall(a, 1n, { accounts: { creditAccount: job } }), 'AccountDiscriminatorMismatch');
    await m.cancelJob(a, job);
  });

  it('rejects an unsigned owner and a credit account that does not exist', async () => {
    const unsigned = await m.redeemCreditsCall(a, 1n);
    unsigned.ix.keys[0].isSigner = false;
    unsigned.signers = [];
    await reject(m, unsigned, 'AccountNotSigner');
    const stranger = await m.actor();
    await reject(m, await m.redeemCreditsCall(stranger, 1n), 'AccountNotInitialized');
  });
});
