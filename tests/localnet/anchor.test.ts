/**
 * @coral-xyz/anchor against the localnet: the market deployed by migrations/deploy.ts, read and
 * changed through an AnchorProvider (whose sendAndConfirm uses signatureSubscribe), with events
 * and named errors parsed from the logs the server returns.
 */
import { AnchorError, AnchorProvider, BorshCoder, EventParser, Program, Wallet, type Idl } from '@coral-xyz/anchor';
import { Keypair, type Connection, type PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import type { Localnet } from '../../localnet';
import { deployAll } from '../../migrations/deploy';
import { defaultMarketParams } from '../../sdk/src/flows/settings';
import { defaultParams, sdkConfigParams, type ConfigParams } from '../fixtures/embedded/params';
import { findConfigPda } from '../../sdk/src/pda';
import { programIdl } from '../../tools/workspace';
import { connect, fundedWallet, startTestLocalnet, stop, tempDir } from './helpers';

describe('localnet: Anchor round trips', () => {
  let net: Localnet;
  let c: Connection;
  let admin: Keypair;
  let market: Program;
  let config: PublicKey;
  /** `market.account.config` (the generic Idl type does not know the account names). */
  let accounts: { fetch(address: PublicKey): Promise<unknown>; all(): Promise<{ publicKey: PublicKey }[]> };
  const wallets = tempDir('peer-wallets');

  before(async () => {
    net = await startTestLocalnet();
    c = connect(net);
    admin = await fundedWallet(net, 100);
    const deployed = await deployAll({ url: net.rpcUrl, payer: admin, walletsDir: wallets.path });
    const idl = programIdl<Idl>('peer_market');
    market = new Program(idl, new AnchorProvider(c, new Wallet(admin), { commitment: 'confirmed' }));
    config = deployed.bootstrap!.market!.config;
    accounts = (market.account as unknown as Record<string, typeof accounts>).config;
    assert.ok(config.equals(findConfigPda(market.programId)[0]));
  });

  after(async () => {
    await stop(net);
    wallets.remove();
  });

  it('fetches the config account the deploy script initialised with the SDK\'s default economics', async () => {
    const cfg = (await accounts.fetch(config)) as { admin: PublicKey; params: ConfigParams };
    assert.ok(cfg.admin.equals(admin.publicKey));
    // migrations/ has no copy of the defaults: it deploys the SDK's defaultMarketParams.
    assert.deepEqual(sdkConfigParams(cfg.params), defaultMarketParams());
  });

  it('finds program accounts by discriminator (memcmp) through account.all()', async () => {
    const all = await accounts.all();
    assert.equal(all.length, 1);
    assert.ok(all[0].publicKey.equals(config));
  });

  it('sends an instruction with .rpc(), confirms it over the WebSocket, and parses its event', async () => {
    const params = { ...defaultParams(), voteQuorum: defaultParams().voteQuorum + 1 };
    const sig = await market.methods.updateConfig(params).accountsPartial({ admin: admin.publicKey, config }).rpc();
    const cfg = (await accounts.fetch(config)) as { params: { voteQuorum: number } };
    assert.equal(cfg.params.voteQuorum, params.voteQuorum);
    const tx = await c.getTransaction(sig, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' });
    const events = [...new EventParser(market.programId, new BorshCoder(market.idl)).parseLogs(tx?.meta?.logMessages ?? [])];
    assert.ok(events.some((e) => e.name === 'ConfigUpdated' || e.name === 'configUpdated'), JSON.stringify(events.map((e) => e.name)));
  });

  it('surfaces a program error as a named AnchorError, from the preflight logs', async () => {
    const stranger = await fundedWallet(net, 5);
    const asStranger = new Program(market.idl, new AnchorProvider(c, new Wallet(stranger), { commitment: 'confirmed' }));
    await assert.rejects(
      () => asStranger.methods.updateConfig(defaultParams()).accountsPartial({ admin: stranger.publicKey, config }).rpc(),
      (err: unknown) => {
        assert.ok(err instanceof AnchorError, String(err));
        assert.ok(err.error.errorCode.number >= 2000, `code ${err.error.errorCode.number}`);
        assert.ok(err.logs.length > 0);
        return true;
      },
    );
  });

  it('simulates with .simulate() and returns the program logs', async () => {
    const sim = await market.methods.updateConfig(defaultParams()).accountsPartial({ admin: admin.publicKey, config }).simulate();
    assert.ok(sim.raw.some((l) => l.includes(market.programId.toBase58())));
  });
});
