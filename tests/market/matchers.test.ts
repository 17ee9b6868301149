/**
 * add_matcher and remove_matcher: the admin decides which keys may assign jobs.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded } from '../fixtures/embedded/env';
import { big, findMatcherPda, Market } from '../fixtures/embedded/market';
import { cloneAccount, otherProgram } from '../harness/accounts';
import { assertConservation } from '../harness/conservation';
import { reject } from '../harness/reject';

describe('peer_market: add_matcher and remove_matcher', () => {
  let m: Market;

  before(async () => {
    m = await Market.create(await startEmbedded());
  });
  afterEach(() => assertConservation(m));

  it('registers a matcher at its PDA, paid by the admin', async () => {
    const key = Keypair.generate().publicKey;
    const lamports = await m.lamports(m.env.admin.publicKey);
    const { result, registration } = await m.run(await m.addMatcherCall(key));
    const [pda, bump] = findMatcherPda(m.programId, key);
    assert.ok(registration.equals(pda));
    const r = await m.matcherRegistration(registration);
    assert.ok(r && r.matcher.equals(key));
    assert.equal(big(r.addedAt), await m.now());
    assert.equal(r.bump, bump);
    assert.equal(lamports - (await m.lamports(m.env.admin.publicKey)), await m.rentFor(registration));
    const ev = m.event(result, 'matcherChanged');
    assert.ok((ev.matcher as PublicKey).equals(key));
    assert.equal(ev.allowed, true);
  });

  it('removes a matcher, returns the rent to the admin, and can add it again', async () => {
    const { matcher, registration } = await m.addMatcher();
    const rent = await m.rentFor(registration);
    const lamports = await m.lamports(m.env.admin.publicKey);
    const { result } = await m.removeMatcher(matcher.publicKey);
    assert.equal(await m.exists(registration), false);
    assert.equal((await m.lamports(m.env.admin.publicKey)) - lamports, rent);
    assert.equal(m.event(result, 'matcherChanged').allowed, false);
    await reject(m, await m.removeMatcherCall(matcher.publicKey), 'AccountNotInitialized');
    await m.run(await m.addMatcherCall(matcher.publicKey));
    assert.ok(await m.matcherRegistration(registration));
  });

  it('refuses anyone but the admin (Unauthorized)', async () => {
    const stranger = await m.actor();
    const key = Keypair.generate().publicKey;
    await reject(m, await m.addMatcherCall(key, { accounts: { admin: stranger.publicKey }, signers: [stranger.keypair] }), 'Unauthorized');
    const { matcher } = await m.addMatcher();
    await reject(m, await m.removeMatcherCall(matcher.publicKey, { accounts: { admin: stranger.publicKey }, signers: [stranger.keypair] }), 'Unauthorized');
  });

  it('refuses the all-zero key (InvalidMatcher)', async () => {
    await reject(m, await m.addMatcherCall(PublicKey.default), 'InvalidMatcher');
  });

  it('refuses a registration that is not the matcher\'s PDA (ConstraintSeeds)', async () => {
    const key = Keypair.generate().publicKey;
    await reject(m, await m.addMatcherCall(key, { accounts: { matcherRegistration: findMatcherPda(m.programId, Keypair.generate().publicKey)[0] } }), 'ConstraintSeeds');
    await reject(m, await m.addMatcherCall(key, { accounts: { matcherRegistration: Keypair.generate().publicKey } }), 'ConstraintSeeds');
  });

  it('refuses to register a matcher twice (AccountDiscriminatorAlreadySet)', async () => {
    const { matcher } = await m.addMatcher();
    await reject(m, await m.addMatcherCall(matcher.publicKey), 'AccountDiscriminatorAlreadySet');
  });

  it('refuses to remove an account that is not a registration', async () => {
    const worker = await m.actor();
    const { worker: workerAccount } = await m.registerWorker(worker);
    await reject(m, await m.removeMatcherCall(Keypair.generate().publicKey, { accounts: { matcherRegistration: workerAccount } }), 'AccountDiscriminatorMismatch');
    const { matcher } = await m.addMatcher();
    const forged = await cloneAccount(m, m.matcherAddress(matcher.publicKey), { owner: otherProgram() });
    await reject(m, await m.removeMatcherCall(matcher.publicKey, { accounts: { matcherRegistration: forged } }), 'AccountOwnedByWrongProgram');
  });

  it('rejects an unsigned or read-only admin, a wrong config or system program, and the admin as registration', async () => {
    const key = Keypair.generate().publicKey;
    const unsigned = await m.addMatcherCall(key);
    unsigned.ix.keys[0].isSigner = false;
    unsigned.signers = [];
    await reject(m, unsigned, 'AccountNotSigner');
    for (const index of [0, 2]) {
      const call = await m.addMatcherCall(key);
      call.ix.keys[index].isWritable = false;
      await reject(m, call, 'ConstraintMut');
    }
    await reject(m, await m.addMatcherCall(key, { accounts: { config: m.accounts.usdcVault } }), 'ConstraintSeeds');
    await reject(m, await m.addMatcherCall(key, { accounts: { systemProgram: m.programId } }), 'ConstraintAddress');
    await reject(m, await m.addMatcherCall(key, { accounts: { matcherRegistration: m.env.admin.publicKey } }), 'DuplicateMutableAccount');
    const { matcher } = await m.addMatcher();
    const removeUnsigned = await m.removeMatcherCall(matcher.publicKey);
    removeUnsigned.ix.keys[0].isSigner = false;
    removeUnsigned.signers = [];
    await reject(m, removeUnsigned, 'AccountNotSigner');
    const readOnly = await m.removeMatcherCall(matcher.publicKey);
    readOnly.ix.keys[2].isWritable = false;
    await reject(m, readOnly, 'ConstraintMut');
  });
});
