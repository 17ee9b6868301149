/**
 * migrations/deploy.ts through the real BPF Upgradeable Loader over JSON-RPC: a fresh deploy, an
 * upgrade (that has to extend the ProgramData first), idempotent re-runs, the authority check,
 * and the bootstrap (mints, wallets, staking pool, market config) it finishes with.
 */
import { unpackAccount, unpackMint, getAssociatedTokenAddressSync } from '@solana/spl-token';
import { Keypair, PublicKey, Transaction, TransactionInstruction, sendAndConfirmTransaction, type Connection } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Localnet } from '../../localnet';
import { builtPrograms, deployAll, type DeployResult } from '../../migrations/deploy';
import { TEST_WALLETS } from '../../migrations/deploy/bootstrap';
import { parseProgramData, programDataAddress, PROGRAM_DATA_HEADER, UPGRADEABLE_LOADER } from '../../migrations/deploy/loader';
import { findConfigPda } from '../../sdk/src/pda';
import { REPO_ROOT } from '../../tools/workspace';
import { connect, startTestLocalnet, stop, tempDir } from './helpers';

const TSX = join(REPO_ROOT, 'node_modules/.bin/tsx');

describe('localnet: migrations/deploy.ts through the upgradeable loader', () => {
  let net: Localnet;
  let c: Connection;
  const payer = Keypair.generate(); // starts with nothing: the script asks the faucet
  const wallets = tempDir('peer-wallets');
  const built = builtPrograms();
  const market = built.find((p) => p.name === 'peer_market');
  const staking = built.find((p) => p.name === 'peer_staking');
  let first: DeployResult;
  let second: DeployResult;

  before(async function () {
    if (!market || !staking) throw new Error('target/deploy needs peer_market.so and peer_staking.so: run `npm run build`');
    net = await startTestLocalnet();
    c = connect(net);
  });

  after(async () => {
    await stop(net);
    wallets.remove();
  });

  async function invoke(programId: PublicKey): Promise<string[]> {
    const tx = new Transaction().add(new TransactionInstruction({ programId, keys: [], data: Buffer.alloc(8) }));
    try {
      await sendAndConfirmTransaction(c, tx, [payer], { skipPreflight: false });
      return [];
    } catch (err) {
      return (err as { logs?: string[] }).logs ?? [];
    }
  }

  it('deploys a program through buffer, chunked writes and DeployWithMaxDataLen', async () => {
    // peer_staking's code at peer_market's address: the upgrade below replaces it.
    first = await deployAll({ url: net.rpcUrl, payer, programs: [{ ...market!, elf: staking!.elf }], bootstrap: false, idl: false }); // wrong code on purpose: no IDL
    assert.equal(first.cluster, 'localnet');
    const [r] = first.programs;
    assert.equal(r.action, 'deployed');
    assert.ok(r.writeTransactions >= Math.ceil(staking!.elf.length / 1100));
    const program = await c.getAccountInfo(market!.programKeypair.publicKey);
    assert.ok(program?.executable);
    assert.ok(program.owner.equals(UPGRADEABLE_LOADER));
    const data = await c.getAccountInfo(programDataAddress(market!.programKeypair.publicKey));
    const state = parseProgramData(data!.data);
    assert.ok(state && state.upgradeAuthority?.equals(payer.publicKey));
    assert.equal(state.elfArea.length, 2 * staking!.elf.length);
    assert.ok(state.elfArea.subarray(0, staking!.elf.length).equals(staking!.elf));
    // It runs: the runtime loaded it and it answered with its own (Anchor-style) error.
    const logs = await invoke(market!.programKeypair.publicKey);
    assert.ok(logs.some((l) => l.startsWith(`Program ${market!.programKeypair.publicKey.toBase58()} invoke [1]`)), logs.join('\n'));
    assert.ok(logs.some((l) => /Program log: /.test(l)), logs.join('\n'));
  });

  it('upgrades a changed program (extending its ProgramData), deploys the rest, and bootstraps', async () => {
    second = await deployAll({ url: net.rpcUrl, payer, walletsDir: wallets.path });
    const actions = Object.fromEntries(second.programs.map((p) => [p.name, p.action]));
    assert.equal(actions.peer_market, 'upgraded');
    assert.equal(actions.peer_staking, 'deployed');
    const data = await c.getAccountInfo(programDataAddress(market!.programKeypair.publicKey));
    assert.ok(data!.data.subarray(PROGRAM_DATA_HEADER, PROGRAM_DATA_HEADER + market!.elf.length).equals(market!.elf));
    assert.ok(data!.data.length >= PROGRAM_DATA_HEADER + market!.elf.length, 'extended to fit the larger ELF');
    assert.ok(parseProgramData(data!.data)?.upgradeAuthority?.equals(payer.publicKey));

    // The bootstrap ran the upgraded code: initialize_config only exists in peer_market.
    const boot = second.bootstrap!;
    assert.equal(boot.market?.initialized, true);
    const [config] = findConfigPda(market!.programKeypair.publicKey);
    assert.ok(boot.market?.config.equals(config));
    const configAccount = await c.getAccountInfo(config);
    assert.ok(configAccount?.owner.equals(market!.programKeypair.publicKey));
    assert.equal(boot.staking?.initialized, true);
    assert.ok(boot.staking?.pool && (await c.getAccountInfo(boot.staking.pool))?.owner.equals(staking!.programKeypair.publicKey));

    // Mints and funded test wallets.
    assert.equal(unpackMint(boot.usdcMint, (await c.getAccountInfo(boot.usdcMint))!).decimals, 6);
    assert.equal(unpackMint(boot.peerMint, (await c.getAccountInfo(boot.peerMint))!).decimals, 9);
    assert.deepEqual(boot.wallets.map((w) => w.name), [...TEST_WALLETS]);
    for (const w of boot.wallets) {
      const kp = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(w.path, 'utf8')) as number[]));
      assert.ok(kp.publicKey.equals(w.publicKey));
      assert.ok((await c.getBalance(w.publicKey)) >= 50e9);
      const usdc = getAssociatedTokenAddressSync(boot.usdcMint, w.publicKey);
      assert.equal(unpackAccount(usdc, (await c.getAccountInfo(usdc))!).amount, 10_000_000_000n);
      const peer = getAssociatedTokenAddressSync(boot.peerMint, w.publicKey);
      assert.equal(unpackAccount(peer, (await c.getAccountInfo(peer))!).amount, 100_000_000_000_000n);
    }
  });

  it('skips unchanged programs and finished bootstrap steps when run again', async () => {
    const again = await deployAll({ url: net.rpcUrl, payer, walletsDir: wallets.path });
    assert.deepEqual(again.programs.map((p) => p.action), again.programs.map(() => 'unchanged'));
    assert.equal(again.bootstrap?.market?.initialized, false);
    assert.equal(again.bootstrap?.staking?.initialized, false);
    assert.ok(again.bootstrap?.usdcMint.equals(second.bootstrap!.usdcMint));
    assert.ok(again.bootstrap?.peerMint.equals(second.bootstrap!.peerMint));
    assert.deepEqual(again.bootstrap?.wallets.map((w) => w.publicKey.toBase58()), second.bootstrap?.wallets.map((w) => w.publicKey.toBase58()));
  });

  it('refuses to upgrade a program whose upgrade authority is another key', async () => {
    const stranger = Keypair.generate();
    await assert.rejects(
      () => deployAll({ url: net.rpcUrl, payer: stranger, programs: [{ ...staking!, elf: market!.elf }], bootstrap: false }),
      /upgrade authority is .*, not the deploying keypair/,
    );
  });

  it('reports bad arguments and missing keypairs clearly (CLI)', () => {
    const bad = spawnSync(TSX, ['migrations/deploy.ts', '--frobnicate'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --frobnicate/);
    const url = spawnSync(TSX, ['migrations/deploy.ts', '-u', 'not a url'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(url.status, 2);
    assert.match(url.stderr, /neither a cluster moniker/);
    const missing = spawnSync(TSX, ['migrations/deploy.ts', '-u', net.rpcUrl, '-k', '/nonexistent/id.json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /keypair file \/nonexistent\/id.json does not exist/);
  });
});
