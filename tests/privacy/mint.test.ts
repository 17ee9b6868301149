/**
 * The mint over a real local network: credits bought with a real USDC transfer, swapped,
 * checked, melted back to USDC; keyset rotation; every malformed or replayed input refused
 * with its Cashu error code and no credit created or lost.
 */
import assert from 'node:assert/strict';
import type { RunningMint } from '../../mint/service';
import { createOutputs, MintClient, MintHttpError, proofY, unblindOutputs } from '../../sdk/src/privacy/wallet';
import { sumProofs, type Proof } from '../../sdk/src/privacy/token';
import { buyCredits, payQuote, startChain, startTestMint, stopChain, usdcBalance, type Chain } from './helpers';

async function refused(p: Promise<unknown>, code: number, why?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MintHttpError, `expected a mint error, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (why) assert.match(err.message, why);
    return true;
  });
}

describe('privacy: the ecash mint (NUT-01..07, 09) over USDC on the local network', () => {
  let chain: Chain;
  let mint: RunningMint;
  let client: MintClient;
  const lines: string[] = [];

  before(async () => {
    chain = await startChain();
    mint = await startTestMint(chain, lines);
    client = new MintClient(mint.url);
  });

  after(async () => {
    await mint?.stop();
    await stopChain(chain);
  });

  it('publishes info, keys and keysets in the NUT shapes', async () => {
    const info = await client.info();
    assert.ok((info.nuts as Record<string, unknown>)['4']);
    const keys = await client.activeKeys();
    assert.equal(keys.unit, 'credit');
    assert.match(keys.id, /^00[0-9a-f]{14}$/);
    assert.equal(Object.keys(keys.keys).length, 32);
    const res = await fetch(`${mint.url}/v1/keysets`);
    const { keysets } = (await res.json()) as { keysets: { id: string; active: boolean }[] };
    assert.deepEqual(keysets.map((k) => [k.id, k.active]), [[keys.id, true]]);
  });

  it('mints only after the USDC transfer lands, exactly once, for exactly the quoted amount', async () => {
    const before = await usdcBalance(chain, chain.mintWallet.publicKey);
    const q = await client.createMintQuote(25);
    assert.equal(q.amount_usdc, '250000');
    assert.match(q.request, /^solana:/);
    const { id, keys } = await client.activeKeys();
    const early = createOutputs(25, id);
    await refused(client.mint(q.quote, early.outputs), 20001, /not paid/);
    // An underpayment does not pay the quote.
    await payQuote(chain, q, chain.client, 249_999n);
    assert.equal((await client.mintQuote(q.quote)).state, 'UNPAID');
    await payQuote(chain, q);
    assert.equal((await client.mintQuote(q.quote)).state, 'PAID');
    const wrong = createOutputs(26, id);
    await refused(client.mint(q.quote, wrong.outputs), 11002);
    const signatures = await client.mint(q.quote, early.outputs);
    const proofs = unblindOutputs(early, signatures, keys);
    assert.equal(sumProofs(proofs), 25);
    // The same request again (as after a lost answer) gets the same signatures, nothing more.
    assert.deepEqual(await client.mint(q.quote, early.outputs), signatures);
    await refused(client.mint(q.quote, createOutputs(25, id).outputs), 20002, /already issued/);
    assert.equal((await usdcBalance(chain, chain.mintWallet.publicKey)) - before, 499_999n);
  });

  it('swaps, reports states, and refuses a second spend of the same proofs', async () => {
    const proofs = await buyCredits(chain, client, 10);
    const states0 = await client.checkState(proofs);
    assert.deepEqual(states0.map((s) => s.state), proofs.map(() => 'UNSPENT'));
    const { send, keep } = await client.split(proofs, 3);
    assert.equal(sumProofs(send), 3);
    assert.equal(sumProofs(keep), 7);
    assert.deepEqual((await client.checkState(proofs)).map((s) => s.state), proofs.map(() => 'SPENT'));
    const { id } = await client.activeKeys();
    await refused(client.swap(proofs, createOutputs(10, id).outputs), 11001, /already spent/);
    // The new proofs are good.
    assert.equal(sumProofs((await client.split([...send, ...keep], 10)).send), 10);
  });

  it('the same swap sent again after it committed returns the same signatures (a lost answer is recoverable)', async () => {
    const proofs = await buyCredits(chain, client, 6);
    const { id, keys } = await client.activeKeys();
    const outs = createOutputs(6, id);
    const first = await client.swap(proofs, outs.outputs);
    const again = await client.swap(proofs, outs.outputs);
    assert.deepEqual(again, first);
    // NUT-09 restore gives them back by blinded message too.
    const res = await fetch(`${mint.url}/v1/restore`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outputs: outs.outputs }) });
    const restored = (await res.json()) as { signatures: unknown[] };
    assert.deepEqual(restored.signatures, first);
    assert.equal(sumProofs(unblindOutputs(outs, first, keys)), 6);
    // Different outputs with the same inputs: refused as spent.
    await refused(client.swap(proofs, createOutputs(6, id).outputs), 11001);
  });

  it('refuses malformed and foreign inputs with clear codes, and nothing moves', async () => {
    const proofs = await buyCredits(chain, client, 5);
    const { id } = await client.activeKeys();
    const outputs = createOutputs(5, id).outputs;
    const outstanding = mint.ledger.outstanding();
    const forged: Proof = { ...proofs[0], C: proofs[1].C };
    await refused(client.swap([forged, proofs[1]], outputs), 10003, /does not verify/);
    await refused(client.swap([{ ...proofs[0], amount: proofs[0].amount * 2 }, proofs[1]], createOutputs(sumProofs(proofs) + proofs[0].amount, id).outputs), 10003);
    await refused(client.swap([{ ...proofs[0], id: '00ffffffffffffff' }, proofs[1]], outputs), 12001);
    await refused(client.swap([proofs[0], proofs[0]], createOutputs(proofs[0].amount * 2, id).outputs), 11003);
    await refused(client.swap(proofs, [...outputs.slice(1), outputs[0], outputs[0]].slice(0, outputs.length + 1)), 11004);
    await refused(client.swap(proofs, [{ amount: 3, id, B_: outputs[0].B_ }]), 10000, /power of two/);
    await refused(client.swap(proofs, [{ ...outputs[0], B_: '02' + '00'.repeat(32) }]), 10000);
    const raw = await fetch(`${mint.url}/v1/swap`, { method: 'POST', body: 'not json' });
    assert.equal(raw.status, 400);
    assert.deepEqual(await raw.json(), { detail: 'body must be JSON', code: 10000 });
    const badY = await fetch(`${mint.url}/v1/checkstate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Ys: ['zz'] }) });
    assert.equal(badY.status, 400);
    assert.equal(mint.ledger.outstanding(), outstanding, 'refusals moved no credits');
    assert.deepEqual((await client.checkState(proofs)).map((s) => s.state), proofs.map(() => 'UNSPENT'));
  });

  it('rotates keysets: old proofs stay redeemable, the old keyset signs nothing new', async () => {
    const old = await buyCredits(chain, client, 9);
    const oldId = old[0].id;
    const rotated = mint.ledger.rotate();
    assert.notEqual(rotated.id, oldId);
    const { id: newId } = await client.activeKeys();
    assert.equal(newId, rotated.id);
    await refused(client.swap(old, createOutputs(9, oldId).outputs), 12002, /inactive/);
    const fresh = (await client.split(old, 9)).send;
    assert.ok(fresh.every((p) => p.id === newId));
    const res = await fetch(`${mint.url}/v1/keys/${oldId}`);
    assert.equal(res.status, 200, 'inactive keys stay published by id');
  });

  it('melts back to USDC on chain: exact inputs, paid once, proofs spent', async () => {
    const proofs = await buyCredits(chain, client, 8);
    const exact = (await client.split(proofs, 7)).send;
    const keep = await buyCredits(chain, client, 9);
    const dest = chain.client.publicKey;
    const before = await usdcBalance(chain, dest);
    const q = await client.createMeltQuote(`solana:${dest.toBase58()}?amount=0.07`);
    assert.equal(q.amount, 7);
    await refused(client.melt(q.quote, keep), 11002, /exactly 7/);
    const paid = await client.melt(q.quote, exact);
    assert.equal(paid.state, 'PAID');
    assert.equal((await usdcBalance(chain, dest)) - before, 70_000n);
    assert.deepEqual((await client.checkState(exact)).map((s) => s.state), exact.map(() => 'SPENT'));
    await refused(client.melt(q.quote, keep), 20002);
    await refused(client.createMeltQuote(`solana:${dest.toBase58()}?amount=0.001`), 11006);
    await refused(client.createMeltQuote('bitcoin:xyz'), 10000);
  });

  it('money is conserved: USDC held = minted − melted; ecash outstanding = minted − melted − redeemed', async () => {
    const totals = Object.fromEntries((mint.store.prepare('SELECT name, value FROM totals').all() as { name: string; value: number }[]).map((r) => [r.name, r.value]));
    const held = await usdcBalance(chain, chain.mintWallet.publicKey);
    // One deliberate underpayment (249,999 base units) reached the mint without minting.
    assert.equal(held, BigInt(totals.minted - totals.melted) * 10_000n + 249_999n);
    assert.equal(mint.ledger.outstanding(), totals.minted - totals.melted - totals.redeemed);
    assert.ok(lines.some((l) => l.includes('mint_quote.paid')));
    assert.ok(!lines.some((l) => l.includes(chain.mintWallet.secretKey.toString())), 'no key material in logs');
  });

  it('refuses quotes in other units or methods and out-of-range amounts', async () => {
    const post = (path: string, body: unknown) => fetch(`${mint.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(((await (await post('/v1/mint/quote/bolt11', { amount: 1, unit: 'credit' })).json()) as { code: number }).code, 11005);
    assert.equal(((await (await post('/v1/mint/quote/solana-usdc', { amount: 1, unit: 'sat' })).json()) as { code: number }).code, 11005);
    assert.equal(((await (await post('/v1/mint/quote/solana-usdc', { amount: 0, unit: 'credit' })).json()) as { code: number }).code, 11006);
    assert.equal(((await (await post('/v1/mint/quote/solana-usdc', { amount: 1.5 })).json()) as { code: number }).code, 11006);
    assert.equal((await fetch(`${mint.url}/v1/mint/quote/solana-usdc/${'0'.repeat(32)}`)).status, 404);
    assert.ok(proofY);
  });
});
