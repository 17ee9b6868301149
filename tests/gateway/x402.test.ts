/**
 * x402 v2 against the gateway, which verifies and settles payments itself on the local network:
 * the real @x402/fetch client buys credits; a replayed payment, a wrong amount, mint or
 * recipient, and an expired blockhash are refused with the protocol's reason, and nothing is
 * credited or moved.
 */
import { createMint, getOrCreateAssociatedTokenAccount, mintTo } from '@solana/spl-token';
import { Keypair, type PublicKey } from '@solana/web3.js';
import { createKeyPairSignerFromBytes } from '@solana/kit';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';
import type { PaymentRequired } from '@x402/core/types';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactSvmScheme } from '@x402/svm/exact/client';
import assert from 'node:assert/strict';
import * as sdk from '../../sdk/src';
import { startMarket, startTestGateway, USDC, type Market } from './helpers';

type Gw = Awaited<ReturnType<typeof startTestGateway>>;
const DEVNET = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1';

describe('gateway: x402 payments (the gateway is its own facilitator)', function () {
  this.timeout(240_000);
  let m: Market;
  let gw: Gw;
  let payer: Keypair;
  let client: x402Client;
  let key: string;
  let accountId: string;
  const sent: string[] = [];

  const buyUrl = () => `${gw.url}/v1/credits/buy`;
  const post = (credits: number, headers: Record<string, string> = {}) =>
    fetch(buyUrl(), { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ credits }) });

  const state = async () => ({
    balance: gw.ledger.account(accountId)!.balance,
    payerUsdc: await m.usdcBalance(payer.publicKey),
    gatewayUsdc: await m.usdcBalance(gw.wallet),
  });

  /** A 402's requirements for `credits`, as the gateway states them. */
  const required = async (credits: number): Promise<PaymentRequired> => {
    const res = await post(credits);
    assert.equal(res.status, 402);
    return decodePaymentRequiredHeader(res.headers.get('payment-required')!);
  };

  const refusedWith = async (res: Response, reason: RegExp) => {
    assert.equal(res.status, 402);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.match(body.error.code, reason);
    const again = decodePaymentRequiredHeader(res.headers.get('payment-required')!);
    assert.match(again.error ?? '', reason);
    if (process.env.SHOW_REASONS) console.log('reason:', body.error.code, '-', body.error.message);
  };

  before(async () => {
    m = await startMarket();
    gw = await startTestGateway(m, { matcher: false, flags: { assign: 'matcher' } });
    ({ key, accountId } = gw.ledger.createKeyAccount('x402-test'));
    payer = Keypair.generate();
    await m.fundSol(payer.publicKey);
    await m.fundUsdc(payer.publicKey, 10n * USDC);
    const signer = await createKeyPairSignerFromBytes(payer.secretKey);
    client = new x402Client().register('solana:*', new ExactSvmScheme(signer, { rpcUrl: m.net.rpcUrl }));
    // Our local USDC is not a default asset: allow it explicitly.
    client.setSpendControls({ allowedAssets: [{ network: DEVNET, asset: m.usdcMint.toBase58() }] });
  });
  after(async () => {
    await gw?.stop();
    await m?.close();
  });

  it('buys credits with @x402/fetch: 402, pay, 200 with PAYMENT-RESPONSE; the USDC and the credits both land', async () => {
    const before = await state();
    const recording: typeof fetch = async (input, init) => {
      const h = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      const sig = h.get('payment-signature');
      if (sig) sent.push(sig);
      return fetch(input, init);
    };
    const paidFetch = wrapFetchWithPayment(recording, client);
    const res = await paidFetch(buyUrl(), { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ credits: 30 }) });
    assert.equal(res.status, 200, await res.clone().text());
    const settled = decodePaymentResponseHeader(res.headers.get('payment-response')!);
    assert.equal(settled.success, true);
    assert.equal(settled.payer, payer.publicKey.toBase58());
    const body = (await res.json()) as { balance: string; signature: string };
    assert.equal(body.balance, '30');
    assert.equal(body.signature, settled.transaction);
    const after = await state();
    assert.equal(after.balance - before.balance, 30n);
    assert.equal(before.payerUsdc - after.payerUsdc, 300_000n, '30 credits × 10,000 base units');
    assert.equal(after.gatewayUsdc - before.gatewayUsdc, 300_000n);
    assert.equal(sent.length, 1);
    // The gateway turns the USDC into on-chain credits.
    await gw.reconciler.tick();
    const onChain = await sdk.creditBalance(gw.ctx);
    assert.equal(onChain.balance, 30n);
    assert.equal(gw.ledger.pendingPurchases().length, 0);
  });

  it('refuses a replayed payment with duplicate_settlement and credits nothing', async () => {
    const before = await state();
    await refusedWith(await post(30, { 'payment-signature': sent[0] }), /^duplicate_settlement$/);
    assert.deepEqual(await state(), before);
  });

  it('refuses a payment whose transaction pays a different amount than it claims', async () => {
    const before = await state();
    const payload = await client.createPaymentPayload(await required(30));
    payload.accepted = { ...payload.accepted, amount: '400000' };
    await refusedWith(await post(40, { 'payment-signature': encodePaymentSignatureHeader(payload) }), /^invalid_exact_svm_payload_amount_mismatch$/);
    // And an amount that is not what the request costs is refused before any verification.
    const exact = await client.createPaymentPayload(await required(30));
    await refusedWith(await post(31, { 'payment-signature': encodePaymentSignatureHeader(exact) }), /amount_mismatch/);
    assert.deepEqual(await state(), before);
  });

  it('refuses a payment in another mint', async () => {
    const other: PublicKey = await createMint(m.connection, m.admin, m.admin.publicKey, null, 6);
    const ata = await getOrCreateAssociatedTokenAccount(m.connection, m.admin, other, payer.publicKey);
    await mintTo(m.connection, m.admin, other, ata.address, m.admin, 5_000_000n);
    await getOrCreateAssociatedTokenAccount(m.connection, m.admin, other, gw.wallet);
    const before = await state();
    const reqs = await required(30);
    client.setSpendControls({ allowedAssets: [{ network: DEVNET, asset: m.usdcMint.toBase58() }, { network: DEVNET, asset: other.toBase58() }] });
    const payload = await client.createPaymentPayload({ ...reqs, accepts: [{ ...reqs.accepts[0], asset: other.toBase58() }] });
    payload.accepted = reqs.accepts[0];
    await refusedWith(await post(30, { 'payment-signature': encodePaymentSignatureHeader(payload) }), /^invalid_exact_svm_payload_mint_mismatch$/);
    assert.deepEqual(await state(), before);
  });

  it('refuses a payment to another recipient', async () => {
    const thief = Keypair.generate();
    await getOrCreateAssociatedTokenAccount(m.connection, m.admin, m.usdcMint, thief.publicKey);
    const before = await state();
    const reqs = await required(30);
    const payload = await client.createPaymentPayload({ ...reqs, accepts: [{ ...reqs.accepts[0], payTo: thief.publicKey.toBase58() }] });
    payload.accepted = reqs.accepts[0];
    await refusedWith(await post(30, { 'payment-signature': encodePaymentSignatureHeader(payload) }), /^invalid_exact_svm_payload_recipient_mismatch$/);
    assert.deepEqual(await state(), before);
    assert.equal(await m.usdcBalance(thief.publicKey), 0n);
  });

  it('refuses a payment whose blockhash expired', async () => {
    const before = await state();
    const payload = await client.createPaymentPayload(await required(30));
    for (let i = 0; i < 160; i++) m.net.bank.advanceSlot();
    await refusedWith(await post(30, { 'payment-signature': encodePaymentSignatureHeader(payload) }), /^invalid_exact_svm_transaction_simulation_failed$/);
    // (the simulation's error names the cause: BlockhashNotFound)
    assert.deepEqual(await state(), before);
  });

  it('refuses a malformed PAYMENT-SIGNATURE header', async () => {
    const before = await state();
    await refusedWith(await post(30, { 'payment-signature': 'not base64 json' }), /^invalid_payload$/);
    assert.deepEqual(await state(), before);
  });
});
