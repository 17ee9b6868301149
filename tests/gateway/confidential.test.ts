/**
 * Confidential requests through the gateway, with a real worker whose enclave is a DEV one (no
 * TEE on this machine; the test plays the attestation authority, which vouches for the DEV
 * measurement). By default the gateway refuses to route a confidential request to a DEV
 * enclave, saying why; with confidential_allow_dev it answers, and the proof says the enclave
 * signature verified but the enclave is NOT hardware-attested.
 */
import { PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import nacl from 'tweetnacl';
import OpenAI from 'openai';
import * as sdk from '../../sdk/src';
import { DEV_MEASUREMENT_ID } from '../../sdk/src/attestation/measurement';
import { startMarket, startTestGateway, USDC, type Market } from './helpers';
import { startTestWorker } from './worker-node';

type Gw = Awaited<ReturnType<typeof startTestGateway>>;

describe('gateway: confidential requests and DEV enclaves', function () {
  this.timeout(300_000);
  let m: Market;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  const gateways: Gw[] = [];
  const authority = nacl.sign.keyPair();

  const ask = async (gw: Gw, key: string) => {
    const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const model = (await client.models.list()).data[0].id;
    return client.chat.completions.create({ model, messages: [{ role: 'user', content: 'A secret' }], max_tokens: 8, peer_tier: 'confidential' } as never);
  };

  before(async () => {
    m = await startMarket();
    await sdk.updateConfig(sdk.createContext({ connection: m.connection, wallet: m.admin }), { attestationAuthority: new PublicKey(authority.publicKey) });
    worker = await startTestWorker(m, {
      flags: { 'market.tiers': 'open,verified,confidential', 'market.bond': '5000', 'confidential.enclave': 'dev', 'confidential.insecure_dev_enclave': true },
      onEnclave: async (enclave, ctx) => {
        const expiresAt = (await sdk.fetchClock(ctx.transport)).unixTimestamp + 86_400n;
        const w = sdk.findWorkerPda(ctx.wallet.publicKey)[0];
        const attestationSignature = nacl.sign.detached(sdk.attestationMessage(w, enclave.publicKey, DEV_MEASUREMENT_ID, expiresAt), authority.secretKey);
        await sdk.registerEnclave(ctx, { enclaveKey: enclave.publicKey, measurement: DEV_MEASUREMENT_ID, expiresAt, attestationSignature, attestationAuthority: new PublicKey(authority.publicKey) });
      },
    });
  });
  after(async () => {
    for (const gw of gateways) await gw.stop();
    await worker?.stop();
    await m?.close();
  });

  it('refuses by default to route a confidential request to a DEV enclave, and says why', async () => {
    const gw = await startTestGateway(m, { usdc: 10n * USDC, flags: { demo_key: 'conf-default-key-0123456789', demo_credits: 50 } });
    gateways.push(gw);
    await assert.rejects(ask(gw, 'conf-default-key-0123456789'), (err: { status?: number; message?: string }) => err.status === 503 && /DEV enclave \(NOT hardware-attested\)/.test(err.message ?? ''));
    assert.equal(gw.ledger.accountForKey('conf-default-key-0123456789')!.balance, 50n, 'nothing charged');
  });

  it('with confidential_allow_dev: answered, the enclave signature verified, and the proof says NOT hardware-attested', async () => {
    const gw = await startTestGateway(m, { usdc: 10n * USDC, flags: { demo_key: 'conf-dev-key-0123456789', demo_credits: 50, confidential_allow_dev: true } });
    gateways.push(gw);
    const res = await ask(gw, 'conf-dev-key-0123456789');
    const peer = (res as unknown as { peer: { tier: string; worker: string; enclave_verified: boolean | null; enclave_attested: boolean | null } }).peer;
    assert.ok((res.choices[0].message.content ?? '').length > 0);
    assert.equal(peer.tier, 'confidential');
    assert.equal(peer.worker, worker.worker.toBase58());
    assert.equal(peer.enclave_verified, true);
    assert.equal(peer.enclave_attested, false);
  });
});
