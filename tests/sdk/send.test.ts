/**
 * Sending: compute-unit limit from the simulation plus a margin, priority fee with a cap (and
 * what the runtime actually charges), simulate and print-only modes, retry on an expired
 * blockhash, and program/runtime failures translated into named errors with code and logs.
 */
import { createTransferInstruction } from '@solana/spl-token';
import { Keypair, LAMPORTS_PER_SOL, SystemProgram, VersionedTransaction, type Commitment } from '@solana/web3.js';
import assert from 'node:assert/strict';
import * as sdk from '../../sdk/src';
import {
  computeUnitLimitFor,
  countingTransport,
  createContext,
  InsufficientFundsError,
  isPeerMarketError,
  ProgramError,
  sendInstructions,
  TransactionExpiredError,
  TransactionFailedError,
  type Transport,
} from '../../sdk/src';
import { sdkFixture, USDC, type Actor, type SdkFixture } from './helpers';

describe('sdk: sending transactions', () => {
  let fx: SdkFixture;
  let alice: Actor;

  before(async () => {
    fx = await sdkFixture();
    alice = await fx.actor({ usdc: 1_000n * USDC });
    await sdk.buyCredits(alice.ctx, { credits: 10n });
  });

  it('sets the compute-unit limit from the simulation with the margin', async () => {
    const r = await sdk.buyCredits(alice.ctx, { credits: 1n });
    assert.ok(r.tx.signature);
    assert.equal(r.tx.computeUnitLimit, computeUnitLimitFor(r.tx.unitsConsumed, 0.2));
    const tight = await sdk.buyCredits(alice.ctx, { credits: 2n }, { computeUnitMargin: 0 });
    assert.equal(tight.tx.computeUnitLimit, tight.tx.unitsConsumed + 1_000);
    assert.equal(computeUnitLimitFor(2_000_000, 0.2), 1_400_000, 'capped at the maximum');
  });

  it('the limit is really applied: too few units fail the transaction', async () => {
    await assert.rejects(sdk.buyCredits(alice.ctx, { credits: 1n }, { computeUnitLimit: 1_000 }), (err: unknown) => {
      assert.ok(err instanceof TransactionFailedError, String(err));
      assert.match(err.message, /exceeded CUs meter|computational budget exceeded|ProgramFailedToComplete|Program failed to complete/i);
      return true;
    });
  });

  it('charges the priority fee, never above the cap', async () => {
    const before = await fx.lamports(alice.publicKey);
    const r = await sdk.buyCredits(alice.ctx, { credits: 1n }, { priorityFee: { microLamports: 1_000_000 } });
    const paid = before - (await fx.lamports(alice.publicKey));
    assert.equal(r.tx.priorityFeeMicroLamports, 1_000_000);
    assert.equal(paid, 5_000n + BigInt(Math.ceil((r.tx.computeUnitLimit * 1_000_000) / 1_000_000)));

    const before2 = await fx.lamports(alice.publicKey);
    const capped = await sdk.buyCredits(alice.ctx, { credits: 1n }, { priorityFee: { microLamports: 1_000_000, maxLamports: 1_000 } });
    const paid2 = before2 - (await fx.lamports(alice.publicKey));
    assert.ok(capped.tx.priorityFeeMicroLamports < 1_000_000);
    assert.equal(capped.tx.priorityFeeMicroLamports, Math.floor((1_000 * 1_000_000) / capped.tx.computeUnitLimit));
    assert.ok(paid2 - 5_000n <= 1_000n, `priority fee ${paid2 - 5_000n} above the cap`);
    assert.equal(sdk.capPriorityFee(500, 200_000, 1_000_000), 500, 'under the cap: unchanged');
  });

  it('--simulate sends nothing; --print-only returns the unsigned transaction', async () => {
    const balance = (await sdk.creditBalance(alice.ctx)).balance;
    const sim = await sdk.buyCredits(alice.ctx, { credits: 5n }, { mode: 'simulate' });
    assert.equal(sim.tx.signature, null);
    assert.ok(sim.tx.unitsConsumed > 0);
    assert.ok(sim.tx.logs.some((l) => l.includes(sdk.PEER_MARKET_PROGRAM_ID.toBase58())));
    const printed = await sdk.buyCredits(alice.ctx, { credits: 5n }, { mode: 'print' });
    const tx = VersionedTransaction.deserialize(Buffer.from(printed.tx.transaction!, 'base64'));
    assert.ok(tx.message.staticAccountKeys[0].equals(alice.publicKey), 'fee payer');
    assert.ok(tx.signatures.every((s) => s.every((b) => b === 0)), 'unsigned');
    assert.equal((await sdk.creditBalance(alice.ctx)).balance, balance, 'nothing changed');
  });

  it('translates program errors into named errors with the code, the blamed account and the logs', async () => {
    await assert.rejects(sdk.redeemCredits(alice.ctx, { credits: 1_000_000n }), (err: unknown) => {
      assert.ok(err instanceof ProgramError);
      assert.ok(isPeerMarketError(err, 'InsufficientCredits'));
      assert.equal(err.errorCode, sdk.PEER_MARKET_ERRORS.InsufficientCredits);
      assert.equal(err.program, 'peer_market');
      assert.equal(err.instructionIndex, 1, 'after the ATA instruction, compute budget excluded');
      assert.ok(err.logs.some((l) => l.includes('InsufficientCredits')));
      assert.ok(!err.message.includes('\n'));
      return true;
    });
    // A framework check that names the account.
    const stranger = await fx.actor();
    const job = Keypair.generate().publicKey;
    await assert.rejects(sdk.cancelJob(stranger.ctx, { job }), (err: unknown) => {
      assert.ok(err instanceof ProgramError);
      assert.ok(err.errorCode < 6000, 'an Anchor framework code');
      assert.ok(err.account, 'names the account');
      return true;
    });
  });

  it('insufficient tokens, SOL, or no SOL at all are InsufficientFundsError', async () => {
    await assert.rejects(sdk.buyCredits(alice.ctx, { credits: 10_000_000n }), (err: unknown) => err instanceof InsufficientFundsError && err.asset === 'token');
    const broke = createContext({ transport: fx.transport, wallet: Keypair.generate() });
    await assert.rejects(sdk.buyCredits(broke, { credits: 1n }), (err: unknown) => err instanceof InsufficientFundsError && err.asset === 'SOL');
    const poor = await fx.actor({ sol: 0.01 });
    await assert.rejects(
      sendInstructions(poor.ctx, [SystemProgram.transfer({ fromPubkey: poor.publicKey, toPubkey: alice.publicKey, lamports: LAMPORTS_PER_SOL })]),
      (err: unknown) => err instanceof InsufficientFundsError && err.asset === 'SOL' && /insufficient lamports/.test(err.message),
    );
    await assert.rejects(
      sendInstructions(alice.ctx, [createTransferInstruction(alice.usdc, poor.usdc, alice.publicKey, 10n ** 15n)]),
      (err: unknown) => err instanceof InsufficientFundsError && err.asset === 'token',
    );
  });

  it('re-signs with a fresh blockhash when the first one expired', async () => {
    const stale = Keypair.generate().publicKey.toBase58();
    let staleLeft = 1;
    const flaky: Transport = {
      ...fx.transport,
      description: 'flaky',
      getAccount: (a, c) => fx.transport.getAccount(a, c),
      getAccounts: (a, c) => fx.transport.getAccounts(a, c),
      getProgramAccounts: (p, f, c) => fx.transport.getProgramAccounts(p, f, c),
      getLatestBlockhash: (c?: Commitment) => fx.transport.getLatestBlockhash(c),
      sendAndConfirm: (tx, o) => fx.transport.sendAndConfirm(tx, o),
      simulate: async (tx, c) => {
        const sim = await fx.transport.simulate(tx, c);
        if (staleLeft-- > 0) return { ...sim, replacementBlockhash: { blockhash: stale, lastValidBlockHeight: 0 } };
        return sim;
      },
    };
    const counted = countingTransport(flaky);
    const ctx = createContext({ transport: counted, wallet: alice.keypair });
    const before = (await sdk.creditBalance(alice.ctx)).balance;
    const r = await sdk.buyCredits(ctx, { credits: 3n });
    assert.equal(r.tx.attempts, 2);
    assert.equal(counted.counts.sendAndConfirm, 2);
    assert.equal(counted.counts.getLatestBlockhash, 1);
    assert.equal((await sdk.creditBalance(alice.ctx)).balance, before + 3n, 'applied once');

    const alwaysStale: Transport = { ...flaky, simulate: async (tx, c) => ({ ...(await fx.transport.simulate(tx, c)), replacementBlockhash: { blockhash: stale, lastValidBlockHeight: 0 } }), getLatestBlockhash: async () => ({ blockhash: stale, lastValidBlockHeight: 0 }) };
    const ctx2 = createContext({ transport: alwaysStale, wallet: alice.keypair });
    await assert.rejects(sdk.buyCredits(ctx2, { credits: 3n }, { maxAttempts: 2 }), TransactionExpiredError);
  });

  it('counts transport calls per flow', async () => {
    const counted = countingTransport(fx.transport);
    const ctx = createContext({ transport: counted, wallet: alice.keypair });
    await sdk.buyCredits(ctx, { credits: 1n });
    assert.deepEqual(counted.counts, { getAccount: 1, simulate: 1, sendAndConfirm: 1 });
    counted.reset();
    // Another amount: the same purchase again under the same blockhash would be the same transaction.
    await sdk.buyCredits(ctx, { credits: 2n });
    assert.deepEqual(counted.counts, { simulate: 1, sendAndConfirm: 1 }, 'the market addresses are cached');
    assert.equal(counted.transactions, 1);
  });
});
