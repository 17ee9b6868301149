/** update_config: the admin replaces parameters within bounds; everyone else is refused. */
import { AnchorError, BorshCoder, EventParser } from '@coral-xyz/anchor';
import { Keypair, PublicKey, TransactionInstruction } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { startEmbedded, type EmbeddedEnv } from '../fixtures/embedded/env';
import { defaultParams, type ConfigParams } from '../fixtures/embedded/params';
import { initializeMarket, type MarketAccounts } from '../fixtures/embedded/market';
import { OUT_OF_BOUNDS } from '../harness/params';
import { expectUnchanged, snapshot } from '../harness/state';
import { expectError, expectOk, send } from '../fixtures/embedded/tx';

describe('peer_market: update_config', () => {
  let env: EmbeddedEnv;
  let m: MarketAccounts;

  before(async () => {
    env = await startEmbedded();
    m = (await initializeMarket(env)).accounts;
  });

  function updateIx(params: ConfigParams, admin: PublicKey = env.admin.publicKey, config: PublicKey = m.config): Promise<TransactionInstruction> {
    return env.market.methods.updateConfig(params).accountsStrict({ admin, config }).instruction();
  }

  async function expectRejected(name: string, ix: TransactionInstruction, signers: Keypair[] = [env.admin]): Promise<void> {
    const before = await snapshot(env.context, [m.config]);
    expectError(await send(env.context, [ix], signers), name);
    await expectUnchanged(env.context, before);
  }

  it('replaces the parameters and emits ConfigUpdated with the old and new values', async () => {
    const params = { ...defaultParams(), workerFeeBps: 8_000, voteQuorum: 5, paused: true };
    const res = expectOk(await send(env.context, [await updateIx(params)], [env.admin]));
    const config = await env.market.account.config.fetch(m.config);
    assert.equal(config.params.workerFeeBps, 8_000);
    assert.equal(config.params.voteQuorum, 5);
    assert.equal(config.params.paused, true);
    assert.ok(config.admin.equals(env.admin.publicKey), 'addresses are untouched');
    assert.ok(config.usdcVault.equals(m.usdcVault));

    const events = [...new EventParser(env.marketId, new BorshCoder(env.market.idl)).parseLogs(res.logs)];
    assert.equal(events.length, 1);
    assert.equal(events[0].name, 'configUpdated');
    const data = events[0].data as { previous: { workerFeeBps: number }; params: { workerFeeBps: number } };
    assert.equal(data.previous.workerFeeBps, 7_000);
    assert.equal(data.params.workerFeeBps, 8_000);
  });

  it('refuses a signer that is not the admin', async () => {
    const stranger = Keypair.generate();
    await expectRejected('Unauthorized', await updateIx(defaultParams(), stranger.publicKey), [stranger]);
  });

  it('refuses an admin that did not sign', async () => {
    const ix = await updateIx(defaultParams());
    ix.keys[0].isSigner = false;
    await expectRejected('AccountNotSigner', ix, []);
  });

  it('refuses a read-only config', async () => {
    const ix = await updateIx(defaultParams());
    ix.keys[1].isWritable = false;
    await expectRejected('ConstraintMut', ix);
  });

  it('refuses an account that is not the config PDA', async () => {
    await expectRejected('ConstraintSeeds', await updateIx(defaultParams(), env.admin.publicKey, m.usdcVault));
  });

  for (const c of OUT_OF_BOUNDS) {
    it(`refuses ${c.what} with ${c.error}`, async () => {
      const params = defaultParams();
      c.edit(params);
      await expectRejected(c.error, await updateIx(params));
    });
  }

  it('surfaces errors by name through the Anchor client', async () => {
    const stranger = Keypair.generate();
    await env.context.setAccount(stranger.publicKey, {
      lamports: 1_000_000_000,
      data: Buffer.alloc(0),
      owner: PublicKey.default,
      executable: false,
    });
    await assert.rejects(
      env.market.methods.updateConfig(defaultParams()).accountsStrict({ admin: stranger.publicKey, config: m.config }).signers([stranger]).rpc(),
      (err: unknown) => {
        const parsed = err instanceof AnchorError ? err : AnchorError.parse((err as { logs?: string[] }).logs ?? []);
        assert.ok(parsed, `not an Anchor error: ${String(err)}`);
        assert.equal(parsed.error.errorCode.code, 'Unauthorized');
        assert.equal(parsed.error.errorCode.number, 6002);
        return true;
      },
    );
  });
});

describe('peer_market: update_config before initialization', () => {
  it('refuses a config account that does not exist yet', async () => {
    const env = await startEmbedded();
    const config = PublicKey.findProgramAddressSync([Buffer.from('config')], env.marketId)[0];
    const ix = await env.market.methods.updateConfig(defaultParams()).accountsStrict({ admin: env.admin.publicKey, config }).instruction();
    const res = await send(env.context, [ix], [env.admin]);
    assert.ok(!res.ok);
    assert.ok(
      ['AccountOwnedByWrongProgram', 'AccountNotInitialized'].includes(res.errorName ?? ''),
      `unexpected error ${res.errorName ?? res.rawError}`,
    );
  });
});
