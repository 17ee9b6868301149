/**
 * Solana CLI habits in `peer`: --output json-compact, --fee-payer, --with-compute-unit-price,
 * --sign-only (then `peer send-transaction`), --dump-transaction-message, -v/--verbose, a bad
 * -k on read-only commands, `peer completion`, and `peer localnet`'s flags (parsed into
 * localnet's configuration, and its --bpf-program / --account loading against a real network).
 */
import { Keypair, LAMPORTS_PER_SOL, PublicKey, VersionedTransaction, VersionedMessage } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../cli/program';
import { commandTree, completionScript } from '../../cli/commands/completion';
import { localnetFlags } from '../../cli/commands/localnet';
import { loadLocalnetConfig } from '../../localnet/config';
import { parseArgs as parseLocalnetArgs } from '../../localnet/main';
import { startLocalnetService } from '../../localnet/service';
import { REPO_ROOT } from '../../tools/workspace';
import { PEER, USDC, type Actor } from '../sdk/helpers';
import { cliFixture, type CliFixture } from './helpers';

describe('cli: Solana CLI habits', () => {
  let fx: CliFixture;
  let alice: Actor;
  let bob: Actor;
  let aliceKey: string;
  let bobKey: string;

  before(async () => {
    fx = await cliFixture();
    alice = await fx.actor({ usdc: 50n * USDC, peer: 10n * PEER });
    bob = await fx.actor({});
    aliceKey = fx.keypairFile(alice.keypair);
    bobKey = fx.keypairFile(bob.keypair);
  });

  it('--output json-compact prints the JSON on one line', async () => {
    const r = await fx.run(['credits', 'balance', '-k', aliceKey, '--output', 'json-compact']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    const pretty = await fx.run(['credits', 'balance', '-k', aliceKey, '--output', 'json']);
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(pretty.stdout));
  });

  it('--fee-payer pays the fees; --with-compute-unit-price is --priority-fee', async () => {
    // The first purchase creates the credit account (rent from the signer); the second only pays fees.
    assert.equal((await fx.run(['credits', 'buy', '1', '-k', aliceKey])).code, 0);
    const aliceBefore = await fx.lamports(alice.keypair.publicKey);
    const bobBefore = await fx.lamports(bob.keypair.publicKey);
    const r = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--fee-payer', bobKey, '--with-compute-unit-price', '1000', '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { tx: { priorityFeeMicroLamports: number; signature: string } };
    assert.equal(out.tx.priorityFeeMicroLamports, 1000);
    assert.equal(await fx.lamports(alice.keypair.publicKey), aliceBefore, 'the signer paid nothing');
    assert.ok((await fx.lamports(bob.keypair.publicKey)) < bobBefore, 'the fee payer paid');
    const both = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--priority-fee', '5', '--with-compute-unit-price', '6']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /^error: --priority-fee and --with-compute-unit-price are the same setting/);
    const missing = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--fee-payer', join(fx.home, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: keypair file not found: .*nope\.json/);
  });

  it('--sign-only signs without sending (with --dump-transaction-message), then send-transaction lands it', async () => {
    const before = (await fx.run(['credits', 'balance', '-k', aliceKey, '--output', 'json'])).stdout;
    const signed = await fx.run(['credits', 'buy', '2', '-k', aliceKey, '--sign-only', '--dump-transaction-message', '--output', 'json']);
    assert.equal(signed.code, 0, signed.stderr);
    const tx = (JSON.parse(signed.stdout) as { tx: { mode: string; signature: string; transaction: string; message: string } }).tx;
    assert.equal(tx.mode, 'sign');
    const decoded = VersionedTransaction.deserialize(Buffer.from(tx.transaction, 'base64'));
    assert.ok(decoded.signatures[0].some((b) => b !== 0), 'signed');
    assert.ok(Buffer.from(decoded.message.serialize()).equals(Buffer.from(tx.message, 'base64')));
    assert.ok(VersionedMessage.deserialize(Buffer.from(tx.message, 'base64')).staticAccountKeys[0].equals(alice.keypair.publicKey));
    // Nothing was sent.
    assert.equal((await fx.run(['credits', 'balance', '-k', aliceKey, '--output', 'json'])).stdout, before);
    const sent = await fx.run(['send-transaction', tx.transaction, '--output', 'json']);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal((JSON.parse(sent.stdout) as { signature: string }).signature, tx.signature);
    const after = JSON.parse((await fx.run(['credits', 'balance', '-k', aliceKey, '--output', 'json'])).stdout) as { credits: string };
    assert.equal(BigInt(after.credits) - BigInt((JSON.parse(before) as { credits: string }).credits), 200n);
    const garbage = await fx.run(['send-transaction', 'not base64!']);
    assert.equal(garbage.code, 1);
    const dumpAlone = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--dump-transaction-message']);
    assert.match(dumpAlone.stderr, /^error: --dump-transaction-message needs --print-only or --sign-only/);
    const two = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--sign-only', '--print-only']);
    assert.match(two.stderr, /^error: --print-only and --sign-only cannot be combined/);
  });

  it('programs log `Instruction: <Name>` first, as Anchor programs do', async () => {
    const r = await fx.run(['credits', 'buy', '1', '-k', aliceKey, '--simulate', '--output', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const logs = (JSON.parse(r.stdout) as { tx: { logs: string[] } }).tx.logs;
    const invoke = logs.findIndex((l) => / invoke \[1\]$/.test(l) && !l.startsWith('Program ComputeBudget'));
    assert.equal(logs[invoke + 1], 'Program log: Instruction: BuyCredits', logs.join('\n'));
    const stake = await fx.run(['stake', '1', '-k', aliceKey, '--simulate', '--output', 'json']);
    assert.equal(stake.code, 0, stake.stderr);
    assert.ok((JSON.parse(stake.stdout) as { tx: { logs: string[] } }).tx.logs.includes('Program log: Instruction: Stake'));
  });

  it('read-only commands with a bad -k say what is wrong with the file', async () => {
    const garbage = join(fx.home, 'garbage.json');
    writeFileSync(garbage, 'not a keypair');
    const bad = await fx.run(['credits', 'balance', '-k', garbage]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: invalid keypair file .*garbage\.json/);
    const missing = await fx.run(['status', '-k', join(fx.home, 'missing.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: keypair file not found: .*missing\.json/);
    // Without -k, a read with an address argument still needs no keypair.
    const byAddress = await fx.run(['credits', 'balance', alice.keypair.publicKey.toBase58()], { home: fx.home });
    assert.equal(byAddress.code, 0, byAddress.stderr);
  });

  it('-v/--verbose adds the stack to an error; without it the error is one line', async () => {
    const quiet = await fx.run(['credits', 'redeem', '100000', '-k', aliceKey]);
    assert.equal(quiet.stderr.trim().split('\n').length, 1);
    const loud = await fx.run(['credits', 'redeem', '100000', '-k', aliceKey, '-v']);
    assert.equal(loud.code, 1);
    assert.match(loud.stderr, /^error: peer_market error InsufficientCredits/);
    assert.match(loud.stderr, /\n\s+at /);
  });

  it('peer completion bash|zsh|fish covers the command tree', async () => {
    const program = buildProgram({ stdout: () => undefined, stderr: () => undefined, home: fx.home, cwd: fx.home });
    const tree = commandTree(program);
    assert.ok(tree.some((n) => n.path.join(' ') === 'credits buy'));
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await fx.run(['completion', shell]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, completionScript(program, shell));
      for (const word of ['credits', 'localnet', 'completion', 'sign-only']) assert.ok(r.stdout.includes(word), `${shell}: ${word}`);
    }
    const bad = await fx.run(['completion', 'tcsh']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: unknown shell "tcsh"/);
  });

  it('peer localnet: flags map onto localnet\'s configuration; --bpf-program and --account load at start', async () => {
    const dir = fx.home;
    const programId = Keypair.generate().publicKey;
    const holder = Keypair.generate().publicKey;
    const accountFile = join(dir, 'account.json');
    // The JSON `solana account <address> --output json` writes.
    writeFileSync(accountFile, JSON.stringify({ pubkey: Keypair.generate().publicKey.toBase58(), account: { lamports: 5 * LAMPORTS_PER_SOL, data: [Buffer.from('hello').toString('base64'), 'base64'], owner: '11111111111111111111111111111111', executable: false, rentEpoch: 0, space: 5 } }));
    const so = join(REPO_ROOT, 'target/deploy/peer_staking.so');
    const flags = localnetFlags({ rpcPort: '0', bpfProgram: [programId.toBase58(), so], account: [holder.toBase58(), accountFile], quiet: true });
    const config = loadLocalnetConfig({ flags, env: {} });
    assert.deepEqual(config.bpf_program, [`${programId.toBase58()}=${so}`]);
    let summary = '';
    const svc = await startLocalnetService(config, { out: (t) => (summary += t), log: () => undefined });
    try {
      assert.match(summary, /loaded\s+1 program\(s\), 1 account\(s\)/);
      const prog = svc.net.bank.getAccount(programId.toBase58());
      assert.ok(prog?.executable);
      const [programData] = PublicKey.findProgramAddressSync([programId.toBuffer()], new PublicKey('BPFLoaderUpgradeab1e11111111111111111111111'));
      const pd = svc.net.bank.getAccount(programData.toBase58())!;
      assert.ok(Buffer.from(pd.data.subarray(45)).equals(readFileSync(so)));
      const acc = svc.net.bank.getAccount(holder.toBase58())!;
      assert.equal(acc.lamports, 5n * BigInt(LAMPORTS_PER_SOL));
      assert.equal(Buffer.from(acc.data).toString(), 'hello');
    } finally {
      await svc.stop();
    }
    // npm run localnet takes the same two-value flags.
    const parsed = parseLocalnetArgs(['--bpf-program', programId.toBase58(), so, '--account', holder.toBase58(), accountFile, '--reset', '--ledger', dir]);
    assert.notEqual(parsed, 'help');
    assert.deepEqual((parsed as { flags: Record<string, unknown> }).flags, { bpf_program: [`${programId.toBase58()}=${so}`], account: [`${holder.toBase58()}=${accountFile}`], reset: true, ledger: dir });
    assert.throws(() => parseLocalnetArgs(['--account', holder.toBase58()]), /--account needs two values/);
    // Bad input: one clear error, and the network does not start.
    assert.throws(() => localnetFlags({ bpfProgram: [programId.toBase58()] }), /--bpf-program takes two values/);
    const notElf = loadLocalnetConfig({ flags: localnetFlags({ rpcPort: '0', bpfProgram: [programId.toBase58(), accountFile], quiet: true }), env: {} });
    await assert.rejects(startLocalnetService(notElf, { out: () => undefined, log: () => undefined }), /is not an ELF shared object/);
    const badJson = join(dir, 'bad-account.json');
    writeFileSync(badJson, '{"account": {"lamports": -1}}');
    const badAccount = loadLocalnetConfig({ flags: localnetFlags({ rpcPort: '0', account: [holder.toBase58(), badJson], quiet: true }), env: {} });
    await assert.rejects(startLocalnetService(badAccount, { out: () => undefined, log: () => undefined }), /account\.lamports must be a non-negative integer/);
  });
});
