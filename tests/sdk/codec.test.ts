/**
 * The IDL-driven layer: instruction builders (data, account order and flags, derived PDAs),
 * PDA helpers against the programs' seeds, field offsets against real encodings, decoded
 * types, and the error tables.
 */
import { BN } from '@coral-xyz/anchor';
import { Keypair, PublicKey, SystemProgram } from '@solana/web3.js';
import assert from 'node:assert/strict';
import * as sdk from '../../sdk/src';
import { instructions, peerMarket, peerStaking, PEER_MARKET_ERRORS, PEER_STAKING_ERRORS, ProgramError, isPeerMarketError, isPeerStakingError } from '../../sdk/src';
import marketIdl from '../../sdk/src/idl/peer_market.json';
import stakingIdl from '../../sdk/src/idl/peer_staking.json';
import * as harness from '../fixtures/embedded/market';

const key = (): PublicKey => Keypair.generate().publicKey;

describe('sdk: IDL codec and instruction builders', () => {
  it('has a named builder for every instruction of both IDLs, and nothing else', () => {
    const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const named = (ns: Record<string, unknown>) =>
      Object.keys(ns)
        .filter((k) => typeof ns[k] === 'function' && !/Instruction$/.test(k))
        .sort();
    assert.deepEqual(named(instructions.market), marketIdl.instructions.map((i) => camel(i.name)).sort());
    assert.deepEqual(named(instructions.staking), stakingIdl.instructions.map((i) => camel(i.name)).sort());
  });

  it('builds every instruction with the IDL discriminator, account order and flags', () => {
    for (const codec of [peerMarket, peerStaking] as sdk.ProgramCodec[]) {
      for (const def of codec.idl.instructions) {
        const accounts = Object.fromEntries(def.accounts.map((a) => [a.name, key()]));
        const args = Object.fromEntries(def.args.map((a) => [a.name, sampleValue(codec, a.type)]));
        const ix = sdk.instructions.buildInstruction(codec, def.name as never, accounts as never, args as never);
        assert.deepEqual([...ix.data.subarray(0, 8)], def.discriminator, def.name);
        assert.deepEqual(
          ix.keys.map((k) => [k.pubkey.toBase58(), k.isSigner, k.isWritable]),
          def.accounts.map((a) => [accounts[a.name].toBase58(), !!a.signer, !!a.writable]),
          def.name,
        );
        const decoded = codec.coder.instruction.decode(ix.data);
        assert.equal(decoded?.name, def.name);
      }
    }
  });

  it('round-trips arguments: bigint, enum names and byte arrays in, the same bytes as Anchor out', () => {
    const request = {
      tier: 'verified' as const,
      model: sdk.modelId('m'),
      maxPrice: 123n,
      seed: (1n << 64n) - 1n,
      promptCommitment: sdk.outputHash('p'),
      pinnedWorker: key(),
      measurement: sdk.outputHash('m'),
    };
    const client = key();
    const job = key();
    const ix = instructions.market.postJob({ client, job }, { request, nonce: 9n });
    const viaAnchor = peerMarket.coder.instruction.encode('postJob', {
      request: { ...request, tier: { verified: {} }, model: [...request.model], maxPrice: new BN(123), seed: new BN(request.seed.toString()), promptCommitment: [...request.promptCommitment], measurement: [...request.measurement] },
      nonce: new BN(9),
    });
    assert.deepEqual(ix.data, viaAnchor);
  });

  it('derives constant, account and argument PDAs from the IDL seeds', () => {
    const authority = key();
    const reg = instructions.market.registerWorker({ authority, peerMint: key() }, { settings: sampleValue(peerMarket, { defined: { name: 'workerSettings' } }) as never });
    const byName = (ix: typeof reg, name: string) => ix.keys[peerMarket.instruction('registerWorker').accounts.findIndex((a) => a.name === name)].pubkey;
    assert.ok(byName(reg, 'config').equals(sdk.findConfigPda()[0]));
    assert.ok(byName(reg, 'worker').equals(sdk.findWorkerPda(authority)[0]));
    assert.ok(byName(reg, 'bondVault').equals(sdk.findBondVaultPda(sdk.findWorkerPda(authority)[0])[0]));
    assert.ok(byName(reg, 'tokenProgram').equals(sdk.TOKEN_PROGRAM_ID));
    assert.ok(byName(reg, 'systemProgram').equals(SystemProgram.programId));

    const matcher = key();
    const add = instructions.market.addMatcher({ admin: key() }, { matcher });
    assert.ok(add.keys[2].pubkey.equals(sdk.findMatcherPda(matcher)[0]), 'arg seed');
    const init = instructions.market.initializeConfig(
      { admin: key(), usdcMint: key(), peerMint: key(), treasury: key(), stakingRewardVault: key() },
      { params: sdk.defaultMarketParams() },
    );
    assert.ok(init.keys[2].pubkey.equals(sdk.findProgramDataAddress(sdk.PEER_MARKET_PROGRAM_ID)[0]), 'program data');
    assert.ok(init.keys[6].pubkey.equals(sdk.findFeeLedgerPda()[0]));
    const owner = key();
    const st = instructions.staking.stake({ owner, source: key() }, { amount: 1n });
    assert.ok(st.keys[1].pubkey.equals(sdk.findStakerPda(owner)[0]));
    assert.ok(st.keys[4].pubkey.equals(sdk.findStakeVaultPda()[0]));

    // Another deployment: every derived address follows the program id given.
    const other = key();
    const moved = instructions.market.registerWorker({ authority, peerMint: key() }, { settings: sampleValue(peerMarket, { defined: { name: 'workerSettings' } }) as never }, other);
    assert.ok(moved.programId.equals(other));
    assert.ok(moved.keys[2].pubkey.equals(sdk.findWorkerPda(authority, other)[0]));
  });

  it('refuses missing accounts and out-of-range arguments before building', () => {
    assert.throws(() => instructions.market.cancelJob({ client: key(), job: key() } as never), /account creditAccount is required/);
    assert.throws(() => instructions.market.bond({ authority: key(), source: key() }, { amount: -1n }), /outside the u64 range/);
    assert.throws(() => instructions.market.bond({ authority: key(), source: key() }, { amount: 1n << 64n }), /outside the u64 range/);
    assert.throws(
      () => instructions.market.postJob({ client: key(), job: key() }, { request: { ...(sampleValue(peerMarket, { defined: { name: 'jobRequest' } }) as object), tier: 'gold' } as never, nonce: 1n }),
      /must be one of open, verified, confidential/,
    );
  });

  it('mirrors the harness PDAs (the programs\' seeds)', () => {
    const id = sdk.PEER_MARKET_PROGRAM_ID;
    const a = key();
    assert.ok(sdk.findWorkerPda(a)[0].equals(harness.findWorkerPda(id, a)[0]));
    assert.ok(sdk.findBondVaultPda(a)[0].equals(harness.findBondVaultPda(id, a)[0]));
    assert.ok(sdk.findCreditAccountPda(a)[0].equals(harness.findCreditAccountPda(id, a)[0]));
    assert.ok(sdk.findJobPda(a, 7n)[0].equals(harness.findJobPda(id, a, 7n)[0]));
    const next = sdk.nextJobAddress(a, 3n);
    assert.ok(next.nonce >= 3n);
    assert.ok(next.address.equals(sdk.findJobPda(a, next.nonce)[0]), 'bump 255 is the canonical bump');
    assert.equal(sdk.findJobPda(a, next.nonce)[1], 255);
    for (let n = 3n; n < next.nonce; n++) assert.equal(sdk.jobAddress(a, n), null, 'skipped nonces have no bump-255 address');
    assert.ok(sdk.findMatcherPda(a)[0].equals(harness.findMatcherPda(id, a)[0]));
    assert.ok(sdk.findFeeLedgerPda()[0].equals(harness.findFeeLedgerPda(id)[0]));
  });

  it('computes field offsets that match Anchor\'s encoding', async () => {
    const job = sampleValue(peerMarket, { defined: { name: 'job' } }) as Record<string, unknown>;
    const client = key();
    const anchorJob = peerMarket.toAnchor({ ...job, client, status: 'submitted', request: { ...(job.request as object), tier: 'confidential' } }, { defined: { name: 'job' } }, 'job');
    const data = await peerMarket.coder.accounts.encode('job', anchorJob);
    assert.equal(data.length, peerMarket.accountSize('job'));
    const status = peerMarket.fieldOffset('job', 'status');
    assert.equal(data[status.offset], 2, 'submitted is variant 2');
    assert.equal(data[peerMarket.fieldOffset('job', 'request.tier').offset], 2, 'confidential is variant 2');
    const c = peerMarket.fieldOffset('job', 'client').offset;
    assert.ok(new PublicKey(data.subarray(c, c + 32)).equals(client));
    const decoded = sdk.decodeJob(data);
    assert.equal(decoded.status, 'submitted');
    assert.equal(decoded.request.tier, 'confidential');
    assert.equal(typeof decoded.nonce, 'bigint');
    assert.ok(decoded.outputHash instanceof Uint8Array);
    assert.throws(() => sdk.decodeWorker(data), /not a peer_market worker account/);
  });

  it('exposes the programs\' error codes and recognizes their errors', () => {
    for (const e of marketIdl.errors) assert.equal((PEER_MARKET_ERRORS as Record<string, number>)[e.name], e.code);
    for (const e of stakingIdl.errors) assert.equal((PEER_STAKING_ERRORS as Record<string, number>)[e.name], e.code);
    assert.equal(PEER_MARKET_ERRORS.InsufficientCredits, marketIdl.errors.find((e) => e.name === 'InsufficientCredits')!.code);
    const err = new ProgramError({ program: 'peer_market', programId: sdk.PEER_MARKET_PROGRAM_ID.toBase58(), errorCode: 6038, errorName: 'InsufficientCredits', message: 'x', logs: [] });
    assert.ok(isPeerMarketError(err));
    assert.ok(isPeerMarketError(err, 'InsufficientCredits'));
    assert.ok(!isPeerMarketError(err, 'MarketPaused'));
    assert.ok(!isPeerStakingError(err));
    assert.ok(!isPeerMarketError(new Error('x')));
  });
});

/** A valid value of any IDL type, for building. */
function sampleValue(codec: sdk.ProgramCodec, type: unknown): unknown {
  if (typeof type === 'string') {
    if (type === 'pubkey') return key();
    if (type === 'bool') return false;
    if (['u64', 'i64', 'u128', 'i128'].includes(type)) return 1n;
    return 1;
  }
  const t = type as Record<string, unknown>;
  if ('array' in t) {
    const [inner, len] = t.array as [unknown, number];
    if (inner === 'u8') return new Uint8Array(len).fill(1);
    return Array.from({ length: len }, () => sampleValue(codec, inner));
  }
  if ('defined' in t) {
    const def = codec.typeDef((t.defined as { name: string }).name) as unknown as { type: { kind: string; fields?: { name: string; type: unknown }[]; variants?: { name: string }[] } };
    if (def.type.kind === 'enum') return def.type.variants![0].name;
    return Object.fromEntries(def.type.fields!.map((f) => [f.name, sampleValue(codec, f.type)]));
  }
  throw new Error(`no sample for ${JSON.stringify(type)}`);
}
