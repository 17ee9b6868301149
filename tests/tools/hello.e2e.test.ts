/**
 * End to end: tests/fixtures/hello (a zero-crate program) built by tools/sbf, loaded and run by
 * the real Solana runtime in litesvm 1.5.0 and solana-bankrun 0.4.0.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  address,
  appendTransactionMessageInstruction,
  createTransactionMessage,
  generateKeyPairSigner,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import { Keypair, PublicKey, Transaction, TransactionInstruction } from '@solana/web3.js';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
// The error classes are not re-exported by litesvm's index.
import { InstructionErrorCustom, TransactionErrorInstructionError } from 'litesvm/dist/internal';
import { start } from 'solana-bankrun';
import { buildProgram, ensureToolchain } from '../../tools/sbf';
import { parseElf } from '../../tools/sbf/elf-reader';
import { REPO_ROOT } from '../../tools/sbf/config';

const FIXTURE = path.join(REPO_ROOT, 'tests', 'fixtures', 'hello', 'src', 'lib.rs');
const OUT = path.join(REPO_ROOT, '.cache', 'sbf', 'test', 'hello');
const BPF_LOADER_2 = new PublicKey('BPFLoader2111111111111111111111111111111111');

function u64le(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}

/** Instruction data of hello: a, b, pick, payload. */
function helloData(a: bigint, b: bigint, pick: number, payload: Buffer): Buffer {
  return Buffer.concat([u64le(a), u64le(b), Buffer.from([pick]), payload]);
}

/** What hello must compute: the product, the op of the picked trait object, b*10000, the payload (≤ 64 B). */
function expected(a: bigint, b: bigint, pick: number, payload: Buffer): { logs: string[]; ret: Buffer } {
  const M = (1n << 64n) - 1n;
  const p = pick % 3;
  const op = p === 0 ? (a + 1000n) & M : p === 1 ? (a * 2n) & M : (a * a) & M;
  const product = a * b;
  const hex = (v: bigint) => `0x${v.toString(16)}`;
  return {
    logs: [
      'Program log: hello from peer cycles',
      `Program log: ${['alpha', 'beta', 'gamma'][p]}`,
      `Program log: ${hex(a)}, ${hex(b)}, ${hex(product)}, ${hex(op)}, ${hex(BigInt(p))}`,
    ],
    ret: Buffer.concat([u64le(product), u64le(op), u64le(b * 10_000n), payload.subarray(0, 64)]),
  };
}

const CASES: { name: string; a: bigint; b: bigint; pick: number; payload: Buffer }[] = [
  { name: 'AddK, short payload', a: 6n, b: 7n, pick: 0, payload: Buffer.from('peer') },
  { name: 'Double, no payload', a: 0xffff_ffffn, b: 0x1_0000_0001n, pick: 1, payload: Buffer.alloc(0) },
  { name: 'Square, payload truncated to 64 bytes', a: 3n, b: 0n, pick: 5, payload: Buffer.from('x'.repeat(40) + 'y'.repeat(40)) },
  { name: 'a = 0 (the overflow check must not divide by zero)', a: 0n, b: 12_345n, pick: 2, payload: Buffer.from([0, 1, 2]) },
];

describe('tools/sbf end to end: hello in the Solana runtime', function () {
  let so: Buffer;
  let soBytes = 0;

  before(async function () {
    this.timeout(600_000); // first run builds the sysroot (~20 s); later runs ~1 s
    const tc = await ensureToolchain((s) => console.log(`      ${s}`));
    const r = await buildProgram(tc, {
      crateName: 'hello',
      rootFile: FIXTURE,
      outSo: path.join(OUT, 'hello.so'),
      workDir: path.join(OUT, 'work'),
    });
    so = fs.readFileSync(r.soPath);
    soBytes = r.soBytes;
    console.log(`      hello.so: ${r.soBytes} bytes, built in ${r.ms} ms`);
  });

  it('is an SBPF v0 shared object with only syscalls left to resolve', function () {
    assert.equal(so.length, soBytes);
    const elf = parseElf(so);
    assert.equal(elf.type, 3);
    assert.equal(elf.machine, 247);
    assert.equal(elf.flags, 0);
    assert.deepEqual(
      elf.sections.map((s) => s.name),
      ['', '.text', '.rodata', '.dynsym', '.dynstr', '.rel.dyn', '.dynamic', '.shstrtab'],
    );
    const dynsym = elf.symbols.map((s) => s.name);
    assert.ok(dynsym.includes('entrypoint'));
    for (const s of ['sol_log_', 'sol_log_64_', 'sol_set_return_data', 'sol_memcpy_']) assert.ok(dynsym.includes(s), s);
  });

  describe('litesvm 1.5.0', function () {
    let svm: LiteSVM;
    const programId = Keypair.generate().publicKey;

    before(function () {
      svm = new LiteSVM();
      svm.addProgram(address(programId.toBase58()), new Uint8Array(so));
    });

    async function send(data: Buffer) {
      const payer = await generateKeyPairSigner();
      svm.airdrop(payer.address, lamports(1_000_000_000n));
      const ix = { programAddress: address(programId.toBase58()), accounts: [], data: new Uint8Array(data) };
      const tx = await pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(payer, m),
        (m) => svm.setTransactionMessageLifetimeUsingLatestBlockhash(m),
        (m) => appendTransactionMessageInstruction(ix, m),
        (m) => signTransactionMessageWithSigners(m),
      );
      return svm.sendTransaction(tx);
    }

    for (const c of CASES) {
      it(`runs: ${c.name}`, async function () {
        const res = await send(helloData(c.a, c.b, c.pick, c.payload));
        if (res instanceof FailedTransactionMetadata) assert.fail(`transaction failed: ${res.toString()}`);
        const want = expected(c.a, c.b, c.pick, c.payload);
        const logs = res.logs();
        for (const l of want.logs) assert.ok(logs.includes(l), `missing log ${JSON.stringify(l)} in\n${logs.join('\n')}`);
        assert.ok(logs.some((l) => / success$/.test(l)), logs.join('\n'));
        const rd = res.returnData();
        assert.deepEqual(Buffer.from(rd.programId()), programId.toBuffer());
        assert.deepEqual(Buffer.from(rd.data()), want.ret);
        console.log(`      litesvm CU: ${res.computeUnitsConsumed()}`);
      });
    }

    it('fails with Custom(1) when a*b overflows (the checked_mul rewrite)', async function () {
      const res = await send(helloData(1n << 63n, 2n, 0, Buffer.alloc(0)));
      assert.ok(res instanceof FailedTransactionMetadata, 'expected a failure');
      const err = res.err();
      assert.ok(err instanceof TransactionErrorInstructionError, res.toString());
      const inner = err.err();
      assert.ok(inner instanceof InstructionErrorCustom, res.toString());
      assert.equal(inner.code, 1);
      assert.ok(res.meta().logs().includes('Program log: overflow'));
    });

    it('fails with Custom(3) when b*10000 overflows (checked_mul by a constant)', async function () {
      const res = await send(helloData(1n, (1n << 64n) / 10_000n + 1n, 0, Buffer.alloc(0)));
      assert.ok(res instanceof FailedTransactionMetadata, 'expected a failure');
      const err = res.err();
      assert.ok(err instanceof TransactionErrorInstructionError);
      const inner = err.err();
      assert.ok(inner instanceof InstructionErrorCustom);
      assert.equal(inner.code, 3);
      // and the largest b that fits passes
      const ok = await send(helloData(1n, (1n << 64n) / 10_000n, 0, Buffer.alloc(0)));
      assert.ok(!(ok instanceof FailedTransactionMetadata), ok.toString());
    });

    it('fails with Custom(2) on short instruction data', async function () {
      const res = await send(Buffer.from([1, 2, 3]));
      assert.ok(res instanceof FailedTransactionMetadata, 'expected a failure');
      const err = res.err();
      assert.ok(err instanceof TransactionErrorInstructionError);
      const inner = err.err();
      assert.ok(inner instanceof InstructionErrorCustom);
      assert.equal(inner.code, 2);
    });
  });

  describe('solana-bankrun 0.4.0', function () {
    const programId = Keypair.generate().publicKey;
    let ctx: Awaited<ReturnType<typeof start>>;

    before(async function () {
      ctx = await start(
        [],
        [{ address: programId, info: { executable: true, owner: BPF_LOADER_2, data: so, lamports: 1_000_000_000 } }],
      );
    });

    async function send(data: Buffer) {
      const tx = new Transaction().add(new TransactionInstruction({ programId, keys: [], data }));
      tx.recentBlockhash = ctx.lastBlockhash;
      tx.feePayer = ctx.payer.publicKey;
      tx.sign(ctx.payer);
      return ctx.banksClient.tryProcessTransaction(tx);
    }

    for (const c of CASES) {
      it(`runs: ${c.name}`, async function () {
        const res = await send(helloData(c.a, c.b, c.pick, c.payload));
        assert.equal(res.result, null, `${res.result}\n${res.meta?.logMessages.join('\n')}`);
        assert.ok(res.meta);
        const want = expected(c.a, c.b, c.pick, c.payload);
        for (const l of want.logs) assert.ok(res.meta.logMessages.includes(l), `missing log ${JSON.stringify(l)} in\n${res.meta.logMessages.join('\n')}`);
        const rd = res.meta.returnData;
        assert.ok(rd);
        assert.equal(rd.programId.toBase58(), programId.toBase58());
        assert.deepEqual(Buffer.from(rd.data), want.ret);
        console.log(`      bankrun CU: ${res.meta.computeUnitsConsumed}`);
      });
    }

    it('fails with custom error 0x1 when a*b overflows', async function () {
      const res = await send(helloData(1n << 63n, 2n, 0, Buffer.from('o')));
      assert.ok(res.result, 'expected a failure');
      assert.match(res.result, /custom program error: 0x1\b/);
      assert.ok(res.meta?.logMessages.includes('Program log: overflow'));
    });
  });
});
