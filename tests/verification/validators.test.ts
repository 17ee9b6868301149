/**
 * Validators: register_validator, deregister_validator (the cooldown) and close_validator.
 * Every check gets its named error with nothing changed.
 */
import { BN } from '@coral-xyz/anchor';
import { unpackAccount } from '@solana/spl-token';
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { big, PEER } from '../fixtures/embedded/market';
import { mintSupply, tokenBalance } from '../fixtures/embedded/tokens';
import { findValidatorPda, findValidatorVaultPda } from '../fixtures/embedded/verification';
import { assertVerificationConservation, rejectV } from '../harness/verification';
import { fixture, n, openDispute, readonly, unsigned, type Fixture } from './helpers';

describe('peer_market verification: validators', () => {
  let f: Fixture;

  before(async () => {
    f = await fixture('bankrun');
  });
  afterEach(() => assertVerificationConservation(f.v));

  describe('register_validator', () => {
    it('creates the validator PDA and its $PEER vault, bonds the amount and emits ValidatorChanged', async () => {
      const { v } = f;
      const actor = await v.m.actor();
      const amount = v.challengerBond() + 12_345n;
      await v.m.mintPeer(actor.peer, amount + 7n);
      const supply = await mintSupply(v.context, v.env.peerMint);
      const lamports = await v.m.lamports(actor.publicKey);
      const { validator, vault, result } = await v.run(await v.registerValidatorCall(actor, amount));
      v.validators.set(validator.toBase58(), { actor, validator, vault });
      v.m.peerAccounts.add(vault.toBase58());

      const [pda, bump] = findValidatorPda(v.programId, actor.publicKey);
      const [vaultPda, vaultBump] = findValidatorVaultPda(v.programId, validator);
      assert.ok(validator.equals(pda) && vault.equals(vaultPda));
      const val = await v.validator(validator);
      assert.ok(val.authority.equals(actor.publicKey));
      assert.equal(big(val.bond), amount);
      assert.equal(big(val.locked), 0n);
      assert.equal(val.openChallenges, 0);
      assert.equal(n(val.deregisterAvailableAt), 0n);
      assert.equal(n(val.registeredAt), await v.m.now());
      assert.equal(val.bump, bump);
      assert.equal(val.vaultBump, vaultBump);
      // the vault: a $PEER token account owned by the validator PDA, holding the bond
      const info = await v.context.banksClient.getAccount(vault);
      assert.ok(info);
      const token = unpackAccount(vault, { ...info, data: Buffer.from(info.data) });
      assert.ok(token.mint.equals(v.env.peerMint));
      assert.ok(token.owner.equals(validator));
      assert.equal(token.amount, amount);
      assert.equal(await tokenBalance(v.context, actor.peer), 7n);
      assert.equal(await mintSupply(v.context, v.env.peerMint), supply, 'a bond moves $PEER, it mints or burns none');
      // the authority paid both rents
      const rent = (await v.m.rentFor(validator)) + (await v.m.rentFor(vault));
      assert.equal(await v.m.lamports(actor.publicKey), lamports - rent);
      const ev = v.m.event(result, 'validatorChanged');
      assert.ok((ev.validator as PublicKey).equals(validator));
      assert.ok((ev.authority as PublicKey).equals(actor.publicKey));
      assert.equal(n(ev.bond), amount);
      assert.equal(n(ev.deregisterAvailableAt), 0n);
      assert.equal(ev.closed, false);
    });

    it('accepts exactly validator_min_bond and refuses one base unit less (ValidatorBondTooLow)', async () => {
      const { v } = f;
      const min = big(v.params.validatorMinBond);
      const low = await v.m.actor({ peer: min });
      await rejectV(v, await v.registerValidatorCall(low, min - 1n), 'ValidatorBondTooLow');
      await v.registerValidator(low, min, false);
      assert.equal(big((await v.validator(v.validatorAddress(low.publicKey))).bond), min);
    });

    it('refuses a peer_mint that is not the config\'s (WrongMint)', async () => {
      const { v } = f;
      const actor = await v.m.actor({ peer: v.challengerBond() });
      await rejectV(v, await v.registerValidatorCall(actor, v.challengerBond(), { accounts: { peerMint: v.env.usdcMint } }), 'WrongMint');
    });

    it('refuses a source that does not hold $PEER (WrongMint)', async () => {
      const { v } = f;
      const actor = await v.m.actor({ peer: v.challengerBond(), usdc: 5_000n * PEER });
      await rejectV(v, await v.registerValidatorCall(actor, v.challengerBond(), { accounts: { source: actor.usdc } }), 'WrongMint');
    });

    it('refuses a validator or vault that is not the canonical PDA (ConstraintSeeds)', async () => {
      const { v } = f;
      const actor = await v.m.actor({ peer: v.challengerBond() });
      const other = Keypair.generate().publicKey;
      const otherValidator = v.validatorAddress(other);
      await rejectV(v, await v.registerValidatorCall(actor, v.challengerBond(), { accounts: { validator: otherValidator, validatorVault: v.validatorVaultAddress(otherValidator) } }), 'ConstraintSeeds');
      const mine = v.validatorAddress(actor.publicKey);
      await rejectV(v, await v.registerValidatorCall(actor, v.challengerBond(), { accounts: { validatorVault: v.validatorVaultAddress(otherValidator) } }), 'ConstraintSeeds');
      await rejectV(v, await v.registerValidatorCall(actor, v.challengerBond(), { accounts: { validatorVault: v.m.bondVaultAddress(mine) } }), 'ConstraintSeeds');
    });

    it('refuses a second registration (AccountDiscriminatorAlreadySet)', async () => {
      const { v } = f;
      const { actor } = await v.readyValidator();
      await v.m.mintPeer(actor.peer, v.challengerBond());
      await rejectV(v, await v.registerValidatorCall(actor, v.challengerBond()), 'AccountDiscriminatorAlreadySet');
    });

    it('refuses an authority that did not sign (AccountNotSigner) or a read-only vault (ConstraintMut)', async () => {
      const { v } = f;
      const actor = await v.m.actor({ peer: v.challengerBond() });
      const call = await v.registerValidatorCall(actor, v.challengerBond());
      await rejectV(v, unsigned(call, actor.publicKey), 'AccountNotSigner');
      await rejectV(v, readonly(call, call.vault), 'ConstraintMut');
    });
  });

  describe('deregister_validator', () => {
    it('starts the cooldown: inactive from now on, bond available after unbond_cooldown_secs', async () => {
      const { v } = f;
      const { actor, validator } = await v.readyValidator();
      await v.m.warp(17);
      const { result } = await v.deregisterValidator(actor);
      const val = await v.validator(validator);
      const expected = (await v.m.now()) + BigInt(v.params.unbondCooldownSecs);
      assert.equal(n(val.deregisterAvailableAt), expected);
      const ev = v.m.event(result, 'validatorChanged');
      assert.equal(n(ev.deregisterAvailableAt), expected);
      assert.equal(ev.closed, false);
    });

    it('refuses another key (NotValidatorAuthority) and a second deregistration (ValidatorAlreadyDeregistering)', async () => {
      const { v } = f;
      const { actor, validator } = await v.readyValidator();
      const intruder = await v.m.actor();
      await rejectV(v, await v.deregisterValidatorCall(intruder, { accounts: { validator } }), 'NotValidatorAuthority');
      await v.deregisterValidator(actor);
      await v.m.warp(v.params.unbondCooldownSecs + 10);
      await rejectV(v, await v.deregisterValidatorCall(actor), 'ValidatorAlreadyDeregistering');
    });

    it('stops a deregistering validator from challenging or voting (ValidatorInactive)', async () => {
      const { v } = f;
      const leaving = await v.readyValidator();
      await v.deregisterValidator(leaving.actor);
      const d = await openDispute(f);
      await rejectV(v, await v.challengeJobCall(leaving.actor, d.job, d.challengerHash), 'ValidatorInactive');
      await rejectV(v, await v.commitVoteCall(leaving.actor, d.challenge, d.challengerHash, new Array(32).fill(1)), 'ValidatorInactive');
      await v.warpPastReveal(d.challenge);
      await v.resolveChallenge(d.challenge);
    });
  });

  describe('close_validator', () => {
    it('refuses before deregistering (ValidatorNotDeregistering) and before the cooldown (CooldownNotElapsed); closes exactly at it', async () => {
      const { v } = f;
      const { actor, validator, vault } = await v.readyValidator();
      await rejectV(v, await v.closeValidatorCall(actor), 'ValidatorNotDeregistering');
      await v.deregisterValidator(actor);
      const at = n((await v.validator(validator)).deregisterAvailableAt);
      await v.m.warp(Number(at - (await v.m.now())) - 1);
      assert.equal(await v.m.now(), at - 1n);
      await rejectV(v, await v.closeValidatorCall(actor), 'CooldownNotElapsed');
      await v.m.warp(1);
      const bond = big((await v.validator(validator)).bond);
      const before = await tokenBalance(v.context, actor.peer);
      const lamports = await v.m.lamports(actor.publicKey);
      const rent = (await v.m.rentFor(validator)) + (await v.m.rentFor(vault));
      const { result } = await v.closeValidator(actor);
      assert.equal(await tokenBalance(v.context, actor.peer), before + bond);
      assert.equal(await v.validatorOrNull(validator), null);
      assert.equal(await v.m.exists(vault), false);
      assert.equal(await v.m.lamports(actor.publicKey), lamports + rent);
      const ev = v.m.event(result, 'validatorChanged');
      assert.equal(ev.closed, true);
      assert.equal(n(ev.bond), bond);
    });

    it('pays out the whole vault, including $PEER sent to it by mistake, and the validator can register again', async () => {
      const { v } = f;
      const { actor, validator, vault } = await v.readyValidator();
      await v.deregisterValidator(actor);
      await v.m.warp(v.params.unbondCooldownSecs);
      const stray = 31_337n;
      const bond = big((await v.validator(validator)).bond);
      await v.m.mintPeer(vault, stray);
      const before = await tokenBalance(v.context, actor.peer);
      await v.closeValidator(actor);
      assert.equal(await tokenBalance(v.context, actor.peer), before + bond + stray);
      await v.registerValidator(actor, v.challengerBond());
      const again = await v.validator(validator);
      assert.equal(n(again.deregisterAvailableAt), 0n);
      assert.equal(big(again.bond), v.challengerBond());
    });

    it('refuses another key (NotValidatorAuthority), another vault (ConstraintSeeds) and a non-$PEER destination (WrongMint)', async () => {
      const { v } = f;
      const { actor, validator } = await v.readyValidator();
      const other = await v.readyValidator();
      await v.deregisterValidator(actor);
      await v.m.warp(v.params.unbondCooldownSecs);
      const intruder = await v.m.actor();
      await rejectV(v, await v.closeValidatorCall(intruder, { accounts: { validator, validatorVault: v.validatorVaultAddress(validator) } }), 'NotValidatorAuthority');
      await rejectV(v, await v.closeValidatorCall(actor, { accounts: { validatorVault: other.vault } }), 'ConstraintSeeds');
      await rejectV(v, await v.closeValidatorCall(actor, { accounts: { destination: actor.usdc } }), 'WrongMint');
      await v.closeValidator(actor);
    });

    it('keeps the bond while a challenge it opened is open (BondLocked), releases it after resolution', async () => {
      const { v } = f;
      const d = await openDispute(f);
      const { actor } = d.challenger;
      await v.deregisterValidator(actor);
      await v.m.warp(v.params.unbondCooldownSecs);
      await rejectV(v, await v.closeValidatorCall(actor), 'BondLocked');
      // the challenge still resolves for a deregistered challenger (it lapses: nobody voted)
      await v.resolveChallenge(d.challenge);
      await v.closeValidator(actor);
      await v.m.finalizeJob(d.job);
    });
  });

  it('a raised validator_min_bond leaves smaller validators unable to vote or challenge (ValidatorBondTooLow)', async () => {
    const { v } = f;
    const small = await v.readyValidator(big(v.params.validatorMinBond));
    const d = await openDispute(f);
    // min bond only: enough to vote, not to post a challenge bond on top
    const { job: other } = await v.submittedJob(f.client, (await v.m.readyWorker({ tiers: ['verified'] })).actor, f.matcher);
    await rejectV(v, await v.challengeJobCall(small.actor, other, d.challengerHash), 'ValidatorBondTooLow');
    const old = v.params.validatorMinBond;
    await v.m.updateParams((p) => (p.validatorMinBond = new BN(big(old) + 1n)));
    try {
      await rejectV(v, await v.commitVoteCall(small.actor, d.challenge, d.challengerHash, new Array(32).fill(2)), 'ValidatorBondTooLow');
    } finally {
      await v.m.updateParams((p) => (p.validatorMinBond = old));
    }
    await v.commitVote(small.actor, d.challenge, d.challengerHash);
    await v.warpPastReveal(d.challenge);
    await v.resolveChallenge(d.challenge);
    await v.closeVote(small.actor, d.challenge);
  });
});
