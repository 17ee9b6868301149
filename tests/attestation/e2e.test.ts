/**
 * The whole confidential-tier onboarding over real parts: a local network (JSON-RPC over
 * litesvm) with the programs deployed, the attestation authority as a real HTTP service, a
 * worker's DEV enclave (no TEE here), the worker's side asking the authority
 * (requestAttestation), the SDK's registerEnclave flow sending the authority's signature to
 * register_enclave, and a client checking the worker's enclave from the chain before sealing.
 */
import { createAssociatedTokenAccountIdempotentInstruction, createMintToInstruction, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { Connection, Keypair, LAMPORTS_PER_SOL, sendAndConfirmTransaction, Transaction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAttestationConfig } from '../../attestation/config';
import { openEnclave, requestAttestation } from '../../attestation/enclave';
import { startAttestationService, type AttestationService } from '../../attestation/service';
import { startLocalnet, type Localnet } from '../../localnet';
import { deployAll } from '../../migrations/deploy';
import * as sdk from '../../sdk/src';

const PEER = 1_000_000_000n;

describe('confidential onboarding end to end (local network + authority service + SDK flows)', () => {
  let net: Localnet;
  let dir: string;
  let authority: AttestationService;
  let connection: Connection;
  const authorityKey = Keypair.generate();
  const workerKey = Keypair.generate();

  before(async () => {
    net = await startLocalnet({ rpcPort: 0, slotMs: 400 });
    dir = mkdtempSync(join(tmpdir(), 'attest-e2e-'));
    const admin = Keypair.generate();
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: join(dir, 'wallets') });
    if (!deployed.bootstrap) throw new Error('no bootstrap');
    connection = new Connection(net.rpcUrl, 'confirmed');
    await sdk.updateConfig(sdk.createContext({ connection, wallet: admin }), { attestationAuthority: authorityKey.publicKey });
    const keyFile = join(dir, 'authority.json');
    writeFileSync(keyFile, JSON.stringify(Array.from(authorityKey.secretKey)));
    authority = await startAttestationService({ config: loadAttestationConfig({ env: {}, flags: { keypair: keyFile, allow_dev: true, port: 0, db: join(dir, 'a.db'), ttl_seconds: 3_600 } }), write: () => {} });
    // the worker: SOL, $PEER for the bond
    await connection.confirmTransaction(await connection.requestAirdrop(workerKey.publicKey, 10 * LAMPORTS_PER_SOL), 'confirmed');
    const ata = getAssociatedTokenAddressSync(deployed.bootstrap.peerMint, workerKey.publicKey);
    await sendAndConfirmTransaction(connection, new Transaction().add(createAssociatedTokenAccountIdempotentInstruction(admin.publicKey, ata, workerKey.publicKey, deployed.bootstrap.peerMint), createMintToInstruction(deployed.bootstrap.peerMint, ata, admin.publicKey, 10_000n * PEER)), [admin]);
  });
  after(async () => {
    await authority?.stop();
    await net?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a DEV enclave is attested over HTTP, registered on chain, and trusted by a client only when it opts into DEV', async () => {
    const ctx = sdk.createContext({ connection, wallet: workerKey });
    const { worker } = await sdk.registerWorker(ctx, {
      tiers: ['open', 'confidential'],
      models: ['tiny-model'],
      prices: { open: 2n, verified: 5n, confidential: 9n },
      capacity: 2,
      endpoint: 'http://127.0.0.1:1/worker',
    });
    const market = await sdk.fetchConfig(ctx.transport, sdk.findConfigPda()[0]);
    await sdk.bondWorker(ctx, { amount: market.data.params.minBond[2] });

    const enclave = await openEnclave({ mode: 'dev', insecureDevEnclave: true });
    const registration = await requestAttestation({ authorityUrl: authority.url, worker, enclave, expectedAuthority: market.data.params.attestationAuthority });
    assert.equal(registration.hardwareAttested, false);
    await sdk.registerEnclave(ctx, registration);

    const onChain = await sdk.fetchWorker(ctx.transport, worker);
    assert.ok(Buffer.from(onChain.data.enclaveKey).equals(Buffer.from(enclave.signingKey.publicKey.toBytes())));
    assert.ok(sdk.isDevEnclaveMeasurement(onChain.data.enclaveMeasurement));

    const client = new sdk.ConnectionTransport(connection);
    const policy = { trustedAuthorities: [authorityKey.publicKey], allowedMeasurements: [] };
    await assert.rejects(sdk.fetchTrustedEnclave(client, worker, policy), (e: unknown) => e instanceof sdk.AttestationError && e.reason === 'dev-not-allowed');
    await assert.rejects(sdk.fetchTrustedEnclave(client, worker, { ...policy, allowDev: true, trustedAuthorities: [Keypair.generate().publicKey] }), (e: unknown) => e instanceof sdk.AttestationError && e.reason === 'untrusted-authority');
    const trusted = await sdk.fetchTrustedEnclave(client, worker, { ...policy, allowDev: true }, { authoritySignature: registration.attestationSignature });
    assert.equal(trusted.label, sdk.DEV_ENCLAVE_LABEL);
    assert.equal(trusted.authorityCheckedBy, 'signature');
    // the evidence the worker would serve checks out against its on-chain record
    sdk.verifyWorkerEvidence({ evidence: enclave.evidenceFile, record: trusted, policy: { allowedMeasurements: [], allowDev: true } });
  });
});
