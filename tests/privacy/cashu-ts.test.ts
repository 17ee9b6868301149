/**
 * Interoperability with the standard Cashu wallet library, @cashu/cashu-ts 2.5.3 (the newest
 * release that runs on Node 20: 2.6.0 and later declare engines node >= 22.4). Its own code
 * loads our keys and keysets, receives our tokens (swap), sends (swap), checks proof states,
 * and encodes tokens we decode.
 */
import { CashuMint, CashuWallet, CheckStateEnum, getDecodedToken, getEncodedTokenV4, type Proof as CashuProof } from '@cashu/cashu-ts';
import assert from 'node:assert/strict';
import type { RunningMint } from '../../mint/service';
import { decodeToken, sumProofs } from '../../sdk/src/privacy/token';
import { MintClient } from '../../sdk/src/privacy/wallet';
import { buyCredits, startChain, startTestMint, stopChain, type Chain } from './helpers';

describe('privacy: @cashu/cashu-ts 2.5.3 against our mint', () => {
  let chain: Chain;
  let mint: RunningMint;
  let ours: MintClient;
  let wallet: CashuWallet;

  before(async () => {
    chain = await startChain();
    mint = await startTestMint(chain);
    ours = new MintClient(mint.url);
    wallet = new CashuWallet(new CashuMint(mint.url), { unit: 'credit' });
    await wallet.loadMint();
  });

  after(async () => {
    await mint?.stop();
    await stopChain(chain);
  });

  it('loads our keysets and keys (NUT-01/02)', async () => {
    const { keysets } = await new CashuMint(mint.url).getKeySets();
    const active = await ours.activeKeys();
    assert.deepEqual(keysets, [{ id: active.id, unit: 'credit', active: true, input_fee_ppk: 0 }]);
    const keys = await wallet.getKeys();
    assert.equal(keys.id, active.id);
    assert.deepEqual(keys.keys, active.keys);
  });

  it('decodes our cashuB token and receives it through our swap; the old proofs are then spent', async () => {
    const proofs = await buyCredits(chain, ours, 21);
    const token = ours.token(proofs, 'from the SDK');
    const decoded = getDecodedToken(token);
    assert.equal(decoded.unit, 'credit');
    assert.equal(decoded.memo, 'from the SDK');
    assert.equal(decoded.proofs.length, proofs.length);
    const received = await wallet.receive(token);
    assert.equal(received.reduce((s, p) => s + p.amount, 0), 21);
    const states = await wallet.checkProofsStates(proofs as unknown as CashuProof[]);
    assert.deepEqual(states.map((s) => s.state), proofs.map(() => CheckStateEnum.SPENT));
    const fresh = await wallet.checkProofsStates(received);
    assert.deepEqual(fresh.map((s) => s.state), received.map(() => CheckStateEnum.UNSPENT));
  });

  it('sends with cashu-ts (swap for change); we decode its V4 token and spend it; its replay is refused', async () => {
    const received = await wallet.receive(ours.token(await buyCredits(chain, ours, 13)));
    const { send, keep } = await wallet.send(6, received);
    assert.equal(send.reduce((s, p) => s + p.amount, 0), 6);
    assert.equal(keep.reduce((s, p) => s + p.amount, 0), 7);
    const token = getEncodedTokenV4({ mint: mint.url, unit: 'credit', proofs: send });
    const ourView = decodeToken(token);
    assert.equal(sumProofs(ourView.proofs), 6);
    const spent = await ours.split(ourView.proofs, 6);
    assert.equal(sumProofs(spent.send), 6);
    await assert.rejects(wallet.receive(token), /already spent/);
  });

  it('a forged proof (valid point, wrong signature) is refused to cashu-ts too', async () => {
    const received = await wallet.receive(ours.token(await buyCredits(chain, ours, 2)));
    const forged = received.map((p) => ({ ...p, C: '02' + 'ab'.repeat(32) }));
    await assert.rejects(wallet.receive(getEncodedTokenV4({ mint: mint.url, unit: 'credit', proofs: forged })), /not a valid point|does not verify|not a compressed/);
  });
});
