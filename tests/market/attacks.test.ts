/**
 * Sealevel attack classes against peer_market, each across the instructions where it applies:
 * missing signers, wrong owners, account substitution, type cosplay between our account types,
 * re-initialisation, duplicate mutable accounts, non-canonical bumps, closing and reviving
 * accounts, pre-funded PDAs, and fake token accounts, mints and vaults. Every rejection names
 * its error and changes nothing; the vault identity holds after each test.
 */
import { Keypair, PublicKey, SystemProgram } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import {
  big,
  findJobPda,
  initializeConfigAccounts,
  initializeConfigIx,
  jobAddressWithBump,
  jobRequest,
  Market,
  PEER,
  workerSettings,
  nextJobNonce,
  nonCanonicalJobNonce,
  type Actor,
  type Call,
} from '../fixtures/embedded/market';
import { createMint, tokenBalance } from '../fixtures/embedded/tokens';
import { expectError, send } from '../fixtures/embedded/tx';
import { cloneAccount, otherProgram } from '../harness/accounts';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

describe('peer_market: Sealevel attacks', () => {
  let m: Market;
  let matcher: Keypair;
  let client: Actor;
  let creditAccount: PublicKey;

  before(async () => {
    m = await Market.create(await startEmbedded());
    matcher = (await m.addMatcher()).matcher;
    ({ actor: client, creditAccount } = await m.client(100_000n));
  });
  afterEach(() => assertConservation(m));

  /** A worker with earnings, a bond being unbonded past its cooldown, and an open job to take. */
  async function scene() {
    const w = await m.readyWorker({}, 6_000n * PEER);
    const done = await m.submittedJob(client, w.actor, matcher);
    await m.finalizeJob(done.job);
    const { job: open } = await m.postJob(client);
    const { job: assigned } = await m.postJob(client);
    await m.assignJob(matcher, assigned, w.worker);
    await m.requestUnbond(w.actor, 10n);
    return { ...w, open, assigned };
  }

  describe('missing signer', () => {
    it('every instruction with a signer rejects it unsigned (AccountNotSigner)', async () => {
      const s = await scene();
      const fresh = await m.actor({ usdc: 1_000_000n });
      const calls: [string, Call][] = [
        ['register_worker', await m.registerWorkerCall(fresh)],
        ['update_worker', await m.updateWorkerCall(s.actor, workerSettings())],
        ['bond', await m.bondCall(s.actor, 1n)],
        ['request_unbond', await m.requestUnbondCall(s.actor, 1n)],
        ['withdraw_unbonded', await m.withdrawUnbondedCall(s.actor)],
        ['pause_worker', await m.pauseWorkerCall(s.actor)],
        ['resume_worker', await m.resumeWorkerCall(s.actor)],
        ['close_worker', await m.closeWorkerCall(s.actor)],
        ['claim_earnings', await m.claimEarningsCall(s.actor)],
        ['buy_credits', await m.buyCreditsCall(fresh, 1n)],
        ['redeem_credits', await m.redeemCreditsCall(client, 1n)],
        ['post_job', await m.postJobCall(client)],
        ['cancel_job', await m.cancelJobCall(client, s.open)],
        ['assign_job', await m.assignJobCall(matcher, s.open, s.worker)],
        ['claim_job', await m.claimJobCall(s.actor, s.open)],
        ['submit_result', await m.submitResultCall(s.actor, s.assigned)],
        ['add_matcher', await m.addMatcherCall(Keypair.generate().publicKey)],
        ['remove_matcher', await m.removeMatcherCall(matcher.publicKey)],
      ];
      for (const [name, call] of calls) {
        const signerKeys = call.ix.keys.filter((k) => k.isSigner);
        assert.equal(signerKeys.length, 1, `${name} has one signer`);
        signerKeys[0].isSigner = false;
        call.signers = [];
        await reject(m, call, 'AccountNotSigner');
      }
      await m.cancelJob(client, s.open);
    });

    it('permissionless instructions take no signer at all', async () => {
      for (const call of [await m.sweepFeesCall()]) assert.ok(call.ix.keys.every((k) => !k.isSigner));
    });
  });

  describe('wrong owner', () => {
    it('rejects exact copies of our accounts owned by another program (AccountOwnedByWrongProgram)', async () => {
      const s = await scene();
      const fakeWorker = await cloneAccount(m, s.worker, { owner: otherProgram() });
      const fakeJob = await cloneAccount(m, s.open, { owner: otherProgram() });
      const fakeCredits = await cloneAccount(m, creditAccount, { owner: otherProgram() });
      await reject(m, await m.pauseWorkerCall(s.actor, { accounts: { worker: fakeWorker } }), 'AccountOwnedByWrongProgram');
      await reject(m, await m.claimEarningsCall(s.actor, { accounts: { worker: fakeWorker } }), 'AccountOwnedByWrongProgram');
      await reject(m, await m.cancelJobCall(client, fakeJob), 'AccountOwnedByWrongProgram');
      await reject(m, await m.redeemCreditsCall(client, 1n, { accounts: { creditAccount: fakeCredits } }), 'AccountOwnedByWrongProgram');
      await reject(m, await m.postJobCall(client, jobRequest(), { accounts: { creditAccount: fakeCredits } }), 'AccountOwnedByWrongProgram');
      await m.warp(m.params.claimDelaySecs);
      await reject(m, await m.claimJobCall(s.actor, fakeJob), 'AccountOwnedByWrongProgram');
      await m.cancelJob(client, s.open);
    });

    it('rejects a copy of the config or the fee ledger anywhere but at their PDAs (ConstraintSeeds)', async () => {
      const fakeConfig = await cloneAccount(m, m.accounts.config);
      const fakeLedger = await cloneAccount(m, m.accounts.feeLedger);
      const { job } = await m.postJob(client);
      await reject(m, await m.postJobCall(client, jobRequest(), { accounts: { config: fakeConfig } }), 'ConstraintSeeds');
      await reject(m, await m.sweepFeesCall({ accounts: { feeLedger: fakeLedger } }), 'ConstraintSeeds');
      await m.cancelJob(client, job);
    });
  });

  describe('type cosplay', () => {
    it('refuses each of our other account types where a Worker, a CreditAccount or a Job belongs (AccountDiscriminatorMismatch)', async () => {
      const s = await scene();
      const registration = m.matcherAddress(matcher.publicKey);
      const { creditAccount: someCredits } = await m.client(1n);
      const others = {
        Config: m.accounts.config,
        FeeLedger: m.accounts.feeLedger,
        Worker: s.worker,
        CreditAccount: someCredits,
        Job: s.open,
        MatcherRegistration: registration,
      };
      for (const [type, address] of Object.entries(others)) {
        if (type !== 'Worker') await reject(m, await m.pauseWorkerCall(s.actor, { accounts: { worker: address } }), 'AccountDiscriminatorMismatch');
        if (type !== 'CreditAccount') {
          await reject(m, await m.redeemCreditsCall(client, 1n, { accounts: { creditAccount: address } }), 'AccountDiscriminatorMismatch');
        }
        if (type !== 'Job') await reject(m, await m.cancelJobCall(client, address), 'AccountDiscriminatorMismatch');
        if (type !== 'MatcherRegistration') {
          await reject(m, await m.assignJobCall(matcher, s.open, s.worker, { accounts: { matcherRegistration: address } }), 'AccountDiscriminatorMismatch');
        }
      }
      await m.cancelJob(client, s.open);
    });

    it('refuses our account with the right discriminator but the wrong length (AccountDidNotDeserialize)', async () => {
      const s = await scene();
      const info = await m.context.banksClient.getAccount(s.worker);
      const longer = Keypair.generate().publicKey;
      await m.context.setAccount(longer, { ...info!, data: Buffer.concat([Buffer.from(info!.data), Buffer.alloc(1)]) });
      await reject(m, await m.pauseWorkerCall(s.actor, { accounts: { worker: longer } }), 'AccountDidNotDeserialize');
      const jobInfo = await m.context.banksClient.getAccount(s.open);
      const shorter = Keypair.generate().publicKey;
      await m.context.setAccount(shorter, { ...jobInfo!, data: Buffer.from(jobInfo!.data).subarray(0, jobInfo!.data.length - 1) });
      await reject(m, await m.cancelJobCall(client, shorter), 'AccountDidNotDeserialize');
      await m.cancelJob(client, s.open);
    });
  });

  describe('account substitution', () => {
    it('cannot spend, unlock or collect another party\'s money with its own key', async () => {
      const s = await scene();
      const attacker = await m.client(10n);
      const { actor: thief } = await m.readyWorker();
      // unlock the victim's credits through the attacker's job, or cancel the victim's job
      const { job: own } = await m.postJob(attacker.actor, { maxPrice: 1n });
      await reject(m, await m.cancelJobCall(attacker.actor, own, { accounts: { creditAccount } }), 'NotCreditOwner');
      await reject(m, await m.cancelJobCall(attacker.actor, s.open, { accounts: { creditAccount: attacker.creditAccount } }), 'NotJobClient');
      // spend the victim's credits on the attacker's job
      await reject(m, await m.postJobCall(attacker.actor, jobRequest(), { accounts: { creditAccount } }), 'NotCreditOwner');
      // redeem the victim's credits to the attacker's wallet
      await reject(m, await m.redeemCreditsCall(attacker.actor, 1n, { accounts: { creditAccount } }), 'NotCreditOwner');
      // collect another worker's earnings, bond or unbonded $PEER
      await reject(m, await m.claimEarningsCall(thief, { accounts: { worker: s.worker } }), 'NotWorkerAuthority');
      await m.warp(m.params.unbondCooldownSecs);
      await reject(m, await m.withdrawUnbondedCall(thief, { accounts: { worker: s.worker, bondVault: s.bondVault } }), 'NotWorkerAuthority');
      // submit for, or take the job of, another worker
      await reject(m, await m.submitResultCall(thief, s.assigned, await m.resultFor(s.assigned), { accounts: { worker: s.worker } }), 'NotWorkerAuthority');
      // expire the job while pointing the slash at another worker's vault
      const other = await m.readyWorker();
      await reject(m, await m.expireJobCall(s.assigned, { accounts: { bondVault: other.bondVault } }), 'ConstraintSeeds');
      // redirect the job's rent to the attacker
      await reject(m, await m.expireJobCall(s.assigned, { accounts: { client: attacker.actor.publicKey } }), 'NotJobClient');
      await m.cancelJob(attacker.actor, own);
      await m.cancelJob(client, s.open);
    });
  });

  describe('re-initialisation', () => {
    it('never re-creates an existing config, worker, matcher registration or credit account', async () => {
      const a = await m.actor({ usdc: 1_000_000n });
      await m.registerWorker(a);
      await reject(m, await m.registerWorkerCall(a), 'AccountDiscriminatorAlreadySet');
      await reject(m, await m.addMatcherCall(matcher.publicKey), 'AccountDiscriminatorAlreadySet');
      const ix = await initializeConfigIx(m.env, initializeConfigAccounts(m.env, m.accounts), m.params);
      const before = await m.config();
      expectError(await send(m.context, [ix], [m.env.admin]), 'ConfigAlreadyInitialized');
      assert.deepEqual(await m.config(), before);
      // buying again keeps the balance, the locked credits and the nonce
      const c = await m.credits(creditAccount);
      await m.buyCredits(client, 1n);
      const after = await m.credits(creditAccount);
      assert.equal(big(after.balance), big(c.balance) + 1n);
      assert.equal(big(after.locked), big(c.locked));
      assert.equal(big(after.jobsPosted), big(c.jobsPosted));
    });
  });

  describe('duplicate mutable accounts', () => {
    it('refuses the same writable account twice (DuplicateMutableAccount)', async () => {
      const s = await scene();
      const cases: Call[] = [
        await m.bondCall(s.actor, 1n, { accounts: { source: s.bondVault } }),
        await m.withdrawUnbondedCall(s.actor, { accounts: { destination: s.bondVault } }),
        await m.closeWorkerCall(s.actor, { accounts: { destination: s.bondVault } }),
        await m.claimEarningsCall(s.actor, { accounts: { destination: m.accounts.usdcVault } }),
        await m.buyCreditsCall(client, 1n, { accounts: { source: m.accounts.usdcVault } }),
        await m.redeemCreditsCall(client, 1n, { accounts: { destination: m.accounts.usdcVault } }),
        await m.postJobCall(client, jobRequest(), { accounts: { job: creditAccount } }),
        await m.cancelJobCall(client, creditAccount),
        await m.assignJobCall(matcher, s.open, s.open),
        await m.claimJobCall(s.actor, s.open, { accounts: { worker: s.open } }),
        await m.submitResultCall(s.actor, s.assigned, await m.resultFor(s.assigned), { accounts: { worker: s.assigned } }),
        await m.expireJobCall(s.assigned, { accounts: { creditAccount: s.worker } }),
        await m.expireJobCall(s.assigned, { accounts: { bondVault: creditAccount } }),
        await m.finalizeJobCall(s.assigned, { accounts: { creditAccount: s.worker } }),
        await m.sweepFeesCall({ accounts: { treasury: m.accounts.stakingRewardVault } }),
      ];
      for (const call of cases) await reject(m, call, 'DuplicateMutableAccount');
      await m.cancelJob(client, s.open);
    });

    it('lets only the rent receiver of expire/finalize alias another account, and then it is not the client (NotJobClient)', async () => {
      const s = await scene();
      const { job } = await m.submittedJob(client, s.actor, matcher);
      await reject(m, await m.finalizeJobCall(job, { accounts: { client: creditAccount } }), 'NotJobClient');
      await reject(m, await m.finalizeJobCall(job, { accounts: { client: s.worker } }), 'NotJobClient');
      await m.warp(m.params.jobTimeoutSecs + 1);
      await reject(m, await m.expireJobCall(s.assigned, { accounts: { client: creditAccount } }), 'NotJobClient');
      await reject(m, await m.expireJobCall(s.assigned, { accounts: { client: s.bondVault } }), 'NotJobClient');
      await m.finalizeJob(job);
      await m.cancelJob(client, s.open);
    });
  });

  describe('non-canonical bump', () => {
    it('post_job accepts only job PDAs whose canonical bump is 255 (ConstraintSeeds otherwise)', async () => {
      const { nonce } = await m.postJobCall(client);
      // A nonce whose canonical bump is below 255: neither its canonical address nor any lower bump's is accepted.
      const bad = nonCanonicalJobNonce(m.programId, client.publicKey, nonce);
      const [canonical, bump] = findJobPda(m.programId, client.publicKey, bad);
      for (let b = bump; b >= Math.max(0, bump - 8); b--) {
        const address = jobAddressWithBump(m.programId, client.publicKey, bad, b);
        await reject(m, await m.postJobCall(client, jobRequest(), { nonce: bad, accounts: { job: address ?? canonical } }), 'ConstraintSeeds');
      }
      const { job, nonce: used } = await m.postJob(client);
      assert.ok(job.equals(findJobPda(m.programId, client.publicKey, used)[0]));
      assert.equal((await m.job(job)).bump, 255, 'bump 255 is the canonical one by definition');
      await m.cancelJob(client, job);
    });
  });

  describe('closing and reviving', () => {
    const revive = (address: PublicKey) => SystemProgram.transfer({ fromPubkey: m.context.payer.publicKey, toPubkey: address, lamports: 1_000_000_000 });

    it('a job closed by finalize_job and refunded lamports in the same transaction stays dead', async () => {
      const { actor } = await m.readyWorker();
      const { job, worker } = await m.submittedJob(client, actor, matcher);
      const call = await m.finalizeJobCall(job);
      // finalize, then send lamports back to the closed address in the same transaction
      const revived = await send(m.context, [call.ix, revive(job)]);
      assert.ok(revived.ok, revived.rawError ?? '');
      const info = await m.context.banksClient.getAccount(job);
      assert.ok(info && info.owner.equals(SystemProgram.programId) && info.data.length === 0, 'a plain system account');
      const earnings = big((await m.worker(worker)).earnings);
      await reject(m, await m.finalizeJobCall(job, { accounts: { worker, client: client.publicKey } }), 'AccountOwnedByWrongProgram');
      await reject(m, await m.cancelJobCall(client, job), 'AccountOwnedByWrongProgram');
      assert.equal(big((await m.worker(worker)).earnings), earnings);
    });

    it('a job cancelled and revived within one transaction is not a job any more', async () => {
      const { job } = await m.postJob(client);
      const cancel = await m.cancelJobCall(client, job);
      const tx = await send(m.context, [cancel.ix, revive(job)], cancel.signers);
      assert.ok(tx.ok, tx.rawError ?? '');
      const info = await m.context.banksClient.getAccount(job);
      assert.ok(info && info.owner.equals(SystemProgram.programId) && info.data.length === 0, 'closed: system-owned and empty');
      const { worker } = await m.readyWorker();
      await reject(m, await m.cancelJobCall(client, job), 'AccountOwnedByWrongProgram');
      await reject(m, await m.finalizeJobCall(job, { accounts: { worker, client: client.publicKey } }), 'AccountOwnedByWrongProgram');
    });

    it('a closed job cannot be finalized or cancelled again (AccountNotInitialized)', async () => {
      const { actor, worker } = await m.readyWorker();
      const { job } = await m.submittedJob(client, actor, matcher);
      await m.finalizeJob(job);
      await reject(m, await m.finalizeJobCall(job, { accounts: { worker, client: client.publicKey } }), 'AccountNotInitialized');
      await reject(m, await m.cancelJobCall(client, job), 'AccountNotInitialized');
    });

    it('a worker closed and revived within one transaction is gone; registering again starts fresh', async () => {
      const a = await m.actor();
      const { worker } = await m.registerWorker(a, workerSettings({ capacity: 9 }));
      const close = await m.closeWorkerCall(a);
      const tx = await send(m.context, [close.ix, revive(worker)], close.signers);
      assert.ok(tx.ok, tx.rawError ?? '');
      await reject(m, await m.pauseWorkerCall(a), 'AccountOwnedByWrongProgram');
      await m.registerWorker(a, workerSettings({ capacity: 2 }));
      const w = await m.worker(worker);
      assert.equal(w.settings.capacity, 2);
      assert.equal(big(w.bond), 0n);
    });
  });

  describe('pre-funded PDAs', () => {
    it('creates a worker, credit account, job and matcher registration whose address somebody already funded', async () => {
      const a = await m.actor({ usdc: 1_000_000n });
      const worker = m.workerAddress(a.publicKey);
      const credits = m.creditAddress(a.publicKey);
      const job = findJobPda(m.programId, a.publicKey, nextJobNonce(m.programId, a.publicKey, 0n))[0];
      const key = Keypair.generate().publicKey;
      const registration = m.matcherAddress(key);
      for (const address of [worker, m.bondVaultAddress(worker), credits, job, registration]) {
        const res = await send(m.context, [SystemProgram.transfer({ fromPubkey: m.context.payer.publicKey, toPubkey: address, lamports: 2_000_000 })]);
        assert.ok(res.ok);
      }
      await m.registerWorker(a);
      await m.buyCredits(a, 10n, false);
      await m.postJob(a, { maxPrice: 5n });
      await m.run(await m.addMatcherCall(key));
      assert.equal(big((await m.credits(credits)).locked), 5n);
      await m.cancelJob(a, job);
    });
  });

  describe('fake token accounts, mints and vaults', () => {
    it('refuses a USDC lookalike mint and token accounts of it (WrongMint)', async () => {
      const s = await scene();
      const lookalike = await createMint(m.context, 6, m.env.mintAuthority.publicKey);
      const fake = await m.tokenAccount(lookalike, client.publicKey);
      await reject(m, await m.buyCreditsCall(client, 1n, { accounts: { source: fake } }), 'WrongMint');
      await reject(m, await m.redeemCreditsCall(client, 1n, { accounts: { destination: fake } }), 'WrongMint');
      await reject(m, await m.claimEarningsCall(s.actor, { accounts: { destination: fake } }), 'WrongMint');
      const peerLookalike = await createMint(m.context, 9, m.env.mintAuthority.publicKey);
      await reject(m, await m.registerWorkerCall(await m.actor(), workerSettings(), { accounts: { peerMint: peerLookalike } }), 'WrongMint');
      await m.warp(m.params.jobTimeoutSecs + 1);
      await reject(m, await m.expireJobCall(s.assigned, { accounts: { peerMint: peerLookalike } }), 'WrongMint');
      await m.cancelJob(client, s.open);
    });

    it('refuses token accounts owned by another program, even with the right mint (WrongMint)', async () => {
      const s = await scene();
      const rich = await m.actor({ usdc: 5_000_000n });
      const forgedSource = await cloneAccount(m, rich.usdc, { owner: otherProgram() });
      await reject(m, await m.buyCreditsCall(rich, 1n, { accounts: { source: forgedSource } }), 'WrongMint');
      const forgedDestination = await cloneAccount(m, s.actor.usdc, { owner: otherProgram() });
      await reject(m, await m.claimEarningsCall(s.actor, { accounts: { destination: forgedDestination } }), 'WrongMint');
      await reject(m, await m.redeemCreditsCall(client, 1n, { accounts: { destination: forgedDestination } }), 'WrongMint');
      const forgedPeer = await cloneAccount(m, s.actor.peer, { owner: otherProgram() });
      await reject(m, await m.bondCall(s.actor, 1n, { accounts: { source: forgedPeer } }), 'WrongMint');
      await m.cancelJob(client, s.open);
    });

    it('refuses vaults that are not the PDAs, even token accounts owned by the config or worker PDA (ConstraintSeeds)', async () => {
      const s = await scene();
      // USDC accounts that the config PDA owns, but not the vault PDA
      const configOwned = await m.tokenAccount(m.env.usdcMint, m.accounts.config);
      await m.mintUsdc(configOwned, 10_000_000n);
      await reject(m, await m.redeemCreditsCall(client, 1n, { accounts: { usdcVault: configOwned } }), 'ConstraintSeeds');
      await reject(m, await m.claimEarningsCall(s.actor, { accounts: { usdcVault: configOwned } }), 'ConstraintSeeds');
      await reject(m, await m.buyCreditsCall(client, 1n, { accounts: { usdcVault: configOwned } }), 'ConstraintSeeds');
      await reject(m, await m.sweepFeesCall({ accounts: { usdcVault: configOwned } }), 'ConstraintSeeds');
      // a $PEER account the worker PDA owns, but not its bond vault
      const workerOwned = await m.tokenAccount(m.env.peerMint, s.worker);
      await m.mintPeer(s.actor.peer, 5n);
      await reject(m, await m.bondCall(s.actor, 5n, { accounts: { bondVault: workerOwned } }), 'ConstraintSeeds');
      await m.warp(m.params.unbondCooldownSecs);
      await reject(m, await m.withdrawUnbondedCall(s.actor, { accounts: { bondVault: workerOwned } }), 'ConstraintSeeds');
      await reject(m, await m.expireJobCall(s.assigned, { accounts: { bondVault: workerOwned } }), 'ConstraintSeeds');
      // a fake token program
      await reject(m, await m.redeemCreditsCall(client, 1n, { accounts: { tokenProgram: otherProgram() } }), 'ConstraintAddress');
      assert.equal(await tokenBalance(m.context, configOwned), 10_000_000n);
      await m.cancelJob(client, s.open);
    });
  });
});
