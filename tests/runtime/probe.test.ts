/**
 * peer_runtime on a real runtime: builds tests/fixtures/runtime_probe against the library with
 * tools/sbf, deploys it through the upgradeable loader on solana-bankrun, and drives every
 * path (one instruction tag each; see the fixture's doc comments for the data layouts).
 * Compute units of each path are printed at the end (bankrun, whose SPL Token is the classic
 * expensive build).
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AnchorError, BorshCoder, EventParser, type Idl } from '@coral-xyz/anchor';
import {
  AccountLayout,
  MINT_SIZE,
  MintLayout,
  TOKEN_PROGRAM_ID,
  createInitializeAccount3Instruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
} from '@solana/spl-token';
import {
  AccountMeta,
  ComputeBudgetProgram,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SYSVAR_INSTRUCTIONS_PUBKEY,
  SystemProgram,
  Transaction,
  TransactionInstruction,
} from '@solana/web3.js';
import { type AddedAccount, type BanksClient, type ProgramTestContext, start } from 'solana-bankrun';
import { buildProgram, compileRlib, ensureToolchain } from '../../tools/sbf';

const TAG = {
  initState: 0,
  loadState: 1,
  transfer: 2,
  tokenInit: 3,
  tokenTransfer: 4,
  tokenBurn: 5,
  clock: 6,
  rent: 7,
  sha256: 8,
  event: 9,
  fail: 10,
  duplicateBorrows: 11,
  resizeOrClose: 12,
  math: 13,
  logs: 14,
  introspection: 15,
  upgradeAuthority: 16,
  tokenClose: 17,
} as const;

const REPO_ROOT = path.join(__dirname, '../..');
const OUT_DIR = path.join(REPO_ROOT, 'target', 'test', 'runtime_probe');
const BPF_UPGRADEABLE_LOADER = new PublicKey('BPFLoaderUpgradeab1e11111111111111111111111');
const DECIMALS = 6;
const FEE = 5000; // lamports per signature on bankrun

const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();
const u64 = (v: bigint | number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};
const u8 = (v: number): Buffer => Buffer.from([v]);

/**
 * The two accounts the upgradeable loader keeps for a deployed program: `Program` (tag 2, the
 * ProgramData address) and `ProgramData` (tag 3, slot, upgrade authority, then the ELF).
 */
function deployedProgram(programId: PublicKey, elf: Buffer, authority: PublicKey): AddedAccount[] {
  const [programData] = PublicKey.findProgramAddressSync([programId.toBuffer()], BPF_UPGRADEABLE_LOADER);
  const program = Buffer.alloc(36);
  program.writeUInt32LE(2, 0);
  programData.toBuffer().copy(program, 4);
  const header = Buffer.alloc(45);
  header.writeUInt32LE(3, 0);
  header.writeUInt8(1, 12);
  authority.toBuffer().copy(header, 13);
  const account = (data: Buffer, executable: boolean) => ({ executable, owner: BPF_UPGRADEABLE_LOADER, lamports: LAMPORTS_PER_SOL, data });
  return [
    { address: programId, info: account(program, true) },
    { address: programData, info: account(Buffer.concat([header, elf]), false) },
  ];
}

interface Sent {
  ok: boolean;
  result: string | null;
  logs: string[];
  /** Units our program consumed (its "consumed N of M" line), CPIs included. */
  units: number;
  returnData: Buffer | null;
}

describe('peer_runtime probe (bankrun)', function () {
  let context: ProgramTestContext;
  let client: BanksClient;
  let payer: Keypair;
  const programId = Keypair.generate().publicKey;
  const upgradeAuthority = Keypair.generate().publicKey;
  const otherPayer = Keypair.generate();
  const units = new Map<string, number>();
  let nonce = 0;

  before(async function () {
    this.timeout(600_000);
    const tc = await ensureToolchain();
    const rlib = await compileRlib(tc, {
      crateName: 'peer_runtime',
      rootFile: path.join(REPO_ROOT, 'programs/runtime/src/lib.rs'),
      outDir: OUT_DIR,
    });
    const built = await buildProgram(tc, {
      crateName: 'runtime_probe',
      rootFile: path.join(REPO_ROOT, 'tests/fixtures/runtime_probe/src/lib.rs'),
      outSo: path.join(OUT_DIR, 'runtime_probe.so'),
      externs: [{ name: 'peer_runtime', rlib }],
      workDir: path.join(OUT_DIR, 'work'),
    });
    const elf = readFileSync(built.soPath);
    context = await start(
      [],
      [
        ...deployedProgram(programId, elf, upgradeAuthority),
        {
          address: otherPayer.publicKey,
          info: { executable: false, owner: SystemProgram.programId, lamports: 10 * LAMPORTS_PER_SOL, data: Buffer.alloc(0) },
        },
      ],
    );
    client = context.banksClient;
    payer = context.payer;
    console.log(`      runtime_probe.so: ${built.soBytes} bytes, built in ${built.ms} ms`);
  });

  after(function () {
    if (units.size === 0) return;
    console.log('\n      compute units per path (bankrun):');
    for (const [name, n] of units) console.log(`        ${name.padEnd(58)} ${n}`);
  });

  /** Sends `ixs` after a compute-limit instruction (index 0) that also makes each tx unique. */
  async function send(ixs: TransactionInstruction[], signers: Keypair[] = [], label?: string): Promise<Sent> {
    const tx = new Transaction().add(ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 - nonce++ }), ...ixs);
    // A fresh blockhash each time: bankrun's genesis blockhash can age out on a slow machine.
    const latest = await client.getLatestBlockhash();
    tx.recentBlockhash = latest ? latest[0] : context.lastBlockhash;
    tx.feePayer = payer.publicKey;
    tx.sign(payer, ...signers);
    const r = await client.tryProcessTransaction(tx);
    const logs = r.meta?.logMessages ?? [];
    const consumed = logs
      .map((l) => new RegExp(`^Program ${programId.toBase58()} consumed (\\d+) of`).exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .reduce((sum, m) => sum + Number(m[1]), 0);
    if (label) units.set(label, consumed);
    const rd = r.meta?.returnData;
    return {
      ok: r.result === null,
      result: r.result,
      logs,
      units: consumed,
      returnData: rd && rd.programId.equals(programId) ? Buffer.from(rd.data) : null,
    };
  }

  /**
   * Units spent between the first two "Program consumption" lines, i.e. by the library call
   * they bracket (less the 100 units of the second `sol_log_compute_units_` itself).
   */
  function bracketed(s: Sent, label: string): void {
    const remaining = s.logs
      .map((l) => /^Program consumption: (\d+) units remaining$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
    assert.ok(remaining.length >= 2, 'two compute-unit logs');
    units.set(`  of which ${label}`, remaining[0] - remaining[1] - 100);
  }

  function probe(data: Buffer, keys: AccountMeta[] = []): TransactionInstruction {
    return new TransactionInstruction({ programId, keys, data });
  }

  const w = (pubkey: PublicKey, isSigner = false): AccountMeta => ({ pubkey, isSigner, isWritable: true });
  const r = (pubkey: PublicKey, isSigner = false): AccountMeta => ({ pubkey, isSigner, isWritable: false });

  function expectOk(s: Sent): void {
    assert.ok(s.ok, `transaction failed: ${s.result}\n${s.logs.join('\n')}`);
  }

  /** The custom error the program failed with, from the "failed: custom program error" log. */
  function customError(s: Sent): number {
    assert.ok(!s.ok, 'expected the transaction to fail');
    const line = s.logs.find((l) => l.startsWith(`Program ${programId.toBase58()} failed: custom program error: `));
    assert.ok(line, `no custom error in logs:\n${s.logs.join('\n')}`);
    return parseInt(line.split('custom program error: ')[1], 16);
  }

  function failure(s: Sent): string {
    assert.ok(!s.ok, 'expected the transaction to fail');
    const line = s.logs.find((l) => l.startsWith(`Program ${programId.toBase58()} failed: `));
    assert.ok(line, `no failure line in logs:\n${s.logs.join('\n')}`);
    return line.slice(`Program ${programId.toBase58()} failed: `.length);
  }

  function anchorError(s: Sent): AnchorError {
    const parsed = AnchorError.parse(s.logs);
    assert.ok(parsed, `no AnchorError line in logs:\n${s.logs.join('\n')}`);
    return parsed;
  }

  async function balance(key: PublicKey): Promise<bigint> {
    return client.getBalance(key);
  }

  const statePda = (owner: PublicKey): [PublicKey, number] =>
    PublicKey.findProgramAddressSync([Buffer.from('state'), owner.toBuffer()], programId);

  describe('system: init_pda_account, transfer, load', function () {
    it('creates a fresh PDA rent-exempt and loads it back', async function () {
      const [state, bump] = statePda(payer.publicKey);
      const s = await send([probe(Buffer.concat([u8(TAG.initState), u8(bump)]), [w(payer.publicKey, true), w(state), r(SystemProgram.programId)])], [], 'init_pda_account (fresh) + PDA checks + load');
      expectOk(s);
      bracketed(s, 'system::init_pda_account (create_account)');
      const account = await client.getAccount(state);
      assert.ok(account);
      const rent = await client.getRent();
      assert.ok(account.owner.equals(programId));
      assert.equal(account.data.length, 48);
      assert.equal(BigInt(account.lamports), rent.minimumBalance(48n));
      const data = Buffer.from(account.data);
      assert.deepEqual(data.subarray(0, 8), sha256('account:ProbeState').subarray(0, 8));
      assert.ok(new PublicKey(data.subarray(8, 40)).equals(payer.publicKey));
      assert.equal(data.readBigUInt64LE(40), 1n);
    });

    it('creates a PDA someone pre-funded (top-up, allocate, assign) ', async function () {
      const [state, bump] = statePda(otherPayer.publicKey);
      // Enough to exist on its own (rent-exempt at 0 bytes), not enough for 48 bytes.
      const prefund = Number((await client.getRent()).minimumBalance(0n));
      expectOk(await send([SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: state, lamports: prefund })]));
      const s = await send(
        [probe(Buffer.concat([u8(TAG.initState), u8(bump)]), [w(otherPayer.publicKey, true), w(state), r(SystemProgram.programId)])],
        [otherPayer],
        'init_pda_account (pre-funded) + PDA checks + load',
      );
      expectOk(s);
      bracketed(s, 'system::init_pda_account (transfer, allocate, assign)');
      const account = await client.getAccount(state);
      assert.ok(account);
      assert.ok(account.owner.equals(programId));
      assert.equal(BigInt(account.lamports), (await client.getRent()).minimumBalance(48n));
    });

    it('refuses a wrong bump with ConstraintSeeds naming the account', async function () {
      const [state, bump] = statePda(Keypair.generate().publicKey);
      const s = await send([probe(Buffer.concat([u8(TAG.initState), u8(bump)]), [w(payer.publicKey, true), w(state), r(SystemProgram.programId)])]);
      const e = anchorError(s);
      assert.equal(e.error.errorCode.code, 'ConstraintSeeds');
      assert.equal(e.error.errorCode.number, 2006);
      assert.equal(e.error.origin, 'state');
      assert.equal(customError(s), 2006);
    });

    it('load_mut bumps the counter of the real account', async function () {
      const [state] = statePda(payer.publicKey);
      const s = await send([probe(u8(TAG.loadState), [w(state)])], [], 'load_mut + return data');
      expectOk(s);
      assert.equal(s.returnData?.readBigUInt64LE(0), 2n);
    });

    it('load reports each Anchor account error with the account name', async function () {
      const mk = (owner: PublicKey, data: Buffer): PublicKey => {
        const key = Keypair.generate().publicKey;
        context.setAccount(key, { executable: false, owner, lamports: LAMPORTS_PER_SOL, data });
        return key;
      };
      const disc = sha256('account:ProbeState').subarray(0, 8);
      const cases: [string, PublicKey, string, number][] = [
        ['system account with lamports', payer.publicKey, 'AccountOwnedByWrongProgram', 3007],
        ['nothing at the address', Keypair.generate().publicKey, 'AccountNotInitialized', 3012],
        ['token program account', mk(TOKEN_PROGRAM_ID, Buffer.alloc(48)), 'AccountOwnedByWrongProgram', 3007],
        ['4 bytes', mk(programId, Buffer.alloc(4)), 'AccountDiscriminatorNotFound', 3001],
        ['other discriminator', mk(programId, Buffer.alloc(48, 7)), 'AccountDiscriminatorMismatch', 3002],
        ['right discriminator, 50 bytes', mk(programId, Buffer.concat([disc, Buffer.alloc(42)])), 'AccountDidNotDeserialize', 3003],
      ];
      for (const [what, key, code, number] of cases) {
        const s = await send([probe(u8(TAG.loadState), [w(key)])]);
        const e = anchorError(s);
        assert.equal(e.error.errorCode.code, code, what);
        assert.equal(e.error.errorCode.number, number, what);
        assert.equal(e.error.origin, 'state', what);
        assert.equal(customError(s), number, what);
      }
    });

    it('transfers lamports by CPI and sees the new balances', async function () {
      const to = Keypair.generate().publicKey;
      const before = await balance(payer.publicKey);
      const s = await send(
        [probe(Buffer.concat([u8(TAG.transfer), u64(1_234_567)]), [w(payer.publicKey, true), w(to), r(SystemProgram.programId)])],
        [],
        'system transfer CPI',
      );
      expectOk(s);
      assert.equal(await balance(to), 1_234_567n);
      assert.equal(await balance(payer.publicKey), before - 1_234_567n - BigInt(FEE));
    });
  });

  describe('token: init_pda_token_account, transfer_checked, burn', function () {
    const mint = Keypair.generate();
    const userToken = Keypair.generate();
    let vault: PublicKey;
    let vaultBump: number;

    async function tokenAmount(key: PublicKey): Promise<bigint> {
      const account = await client.getAccount(key);
      assert.ok(account);
      return AccountLayout.decode(Buffer.from(account.data)).amount;
    }

    async function supply(): Promise<bigint> {
      const account = await client.getAccount(mint.publicKey);
      assert.ok(account);
      return MintLayout.decode(Buffer.from(account.data)).supply;
    }

    before(async function () {
      const rent = await client.getRent();
      [vault, vaultBump] = PublicKey.findProgramAddressSync([Buffer.from('vault'), mint.publicKey.toBuffer()], programId);
      expectOk(
        await send(
          [
            SystemProgram.createAccount({
              fromPubkey: payer.publicKey,
              newAccountPubkey: mint.publicKey,
              lamports: Number(rent.minimumBalance(BigInt(MINT_SIZE))),
              space: MINT_SIZE,
              programId: TOKEN_PROGRAM_ID,
            }),
            createInitializeMint2Instruction(mint.publicKey, DECIMALS, payer.publicKey, null),
            SystemProgram.createAccount({
              fromPubkey: payer.publicKey,
              newAccountPubkey: userToken.publicKey,
              lamports: Number(rent.minimumBalance(165n)),
              space: 165,
              programId: TOKEN_PROGRAM_ID,
            }),
            createInitializeAccount3Instruction(userToken.publicKey, mint.publicKey, payer.publicKey),
            createMintToInstruction(mint.publicKey, userToken.publicKey, payer.publicKey, 1_000_000),
          ],
          [mint, userToken],
        ),
      );
    });

    it('creates the vault PDA as a token account owned by itself', async function () {
      const s = await send(
        [
          probe(Buffer.concat([u8(TAG.tokenInit), u8(vaultBump)]), [
            w(payer.publicKey, true),
            w(vault),
            r(mint.publicKey),
            r(SystemProgram.programId),
            r(TOKEN_PROGRAM_ID),
          ]),
        ],
        [],
        'init_pda_token_account + checks',
      );
      expectOk(s);
      bracketed(s, 'token::init_pda_token_account');
      assert.ok(s.logs.includes(`Program log: vault ready, decimals ${DECIMALS}`));
      const account = await client.getAccount(vault);
      assert.ok(account);
      assert.ok(account.owner.equals(TOKEN_PROGRAM_ID));
      const decoded = AccountLayout.decode(Buffer.from(account.data));
      assert.ok(decoded.mint.equals(mint.publicKey));
      assert.ok(decoded.owner.equals(vault));
      assert.equal(decoded.amount, 0n);
    });

    const transferIx = (from: PublicKey, to: PublicKey, authority: PublicKey, amount: number, byVault: boolean): TransactionInstruction =>
      probe(Buffer.concat([u8(TAG.tokenTransfer), u64(amount), u8(byVault ? 1 : 0), u8(byVault ? vaultBump : 0)]), [
        w(from),
        r(mint.publicKey),
        w(to),
        r(authority, authority.equals(payer.publicKey)),
        r(TOKEN_PROGRAM_ID),
      ]);

    it('transfer_checked signed by the wallet', async function () {
      const s = await send([transferIx(userToken.publicKey, vault, payer.publicKey, 400_000, false)], [], 'transfer_checked (wallet signs) + checks');
      expectOk(s);
      bracketed(s, 'token::transfer_checked (wallet)');
      assert.equal(await tokenAmount(vault), 400_000n);
      assert.equal(await tokenAmount(userToken.publicKey), 600_000n);
    });

    it('transfer_checked signed by the vault PDA', async function () {
      const s = await send([transferIx(vault, userToken.publicKey, vault, 150_000, true)], [], 'transfer_checked (PDA signs) + checks');
      expectOk(s);
      bracketed(s, 'token::transfer_checked (PDA)');
      assert.equal(await tokenAmount(vault), 250_000n);
      assert.equal(await tokenAmount(userToken.publicKey), 750_000n);
    });

    it('burn by the vault PDA and by the wallet', async function () {
      const burnIx = (account: PublicKey, authority: PublicKey, amount: number, byVault: boolean): TransactionInstruction =>
        probe(Buffer.concat([u8(TAG.tokenBurn), u64(amount), u8(byVault ? 1 : 0), u8(byVault ? vaultBump : 0)]), [
          w(account),
          w(mint.publicKey),
          r(authority, !byVault),
          r(TOKEN_PROGRAM_ID),
        ]);
      expectOk(await send([burnIx(vault, vault, 50_000, true)], [], 'burn (PDA signs)'));
      expectOk(await send([burnIx(userToken.publicKey, payer.publicKey, 10_000, false)], [], 'burn (wallet signs)'));
      assert.equal(await tokenAmount(vault), 200_000n);
      assert.equal(await tokenAmount(userToken.publicKey), 740_000n);
      assert.equal(await supply(), 940_000n);
    });

    it('a vault transfer without the PDA signature is refused by the token program', async function () {
      const s = await send([transferIx(vault, userToken.publicKey, vault, 1, false)]);
      assert.ok(!s.ok);
      assert.ok(s.logs.some((l) => l.includes('signer privilege escalated')), s.logs.join('\n'));
    });

    it('close_account of the emptied vault, signed by the vault PDA', async function () {
      const burnAll = probe(Buffer.concat([u8(TAG.tokenBurn), u64(200_000), u8(1), u8(vaultBump)]), [
        w(vault),
        w(mint.publicKey),
        r(vault),
        r(TOKEN_PROGRAM_ID),
      ]);
      const vaultLamports = await balance(vault);
      const before = await balance(payer.publicKey);
      const close = probe(Buffer.concat([u8(TAG.tokenClose), u8(1), u8(vaultBump)]), [
        w(vault),
        w(payer.publicKey),
        r(vault),
        r(TOKEN_PROGRAM_ID),
      ]);
      const s = await send([burnAll, close], [], 'burn + close_account (PDA signs)');
      expectOk(s);
      assert.equal(await client.getAccount(vault), null);
      assert.equal(await balance(payer.publicKey), before + vaultLamports - BigInt(FEE));
    });
  });

  describe('sysvars, hashing, events, logs', function () {
    it('reads the Clock', async function () {
      const s = await send([probe(u8(TAG.clock))], [], 'clock');
      expectOk(s);
      const clock = await client.getClock();
      const data = s.returnData;
      assert.ok(data && data.length === 40);
      assert.equal(data.readBigUInt64LE(0), clock.slot);
      assert.equal(data.readBigUInt64LE(16), clock.epoch);
      assert.equal(data.readBigInt64LE(32), clock.unixTimestamp);
      assert.ok(s.logs.includes(`Program log: unix_timestamp ${clock.unixTimestamp}`));
    });

    it('Rent::minimum_balance equals the runtime for the real sysvar', async function () {
      const lens = [0n, 1n, 48n, 82n, 165n, 10_240n, 10_000_000n];
      const data = Buffer.concat([u8(TAG.rent), u8(0), u8(lens.length), ...lens.map(u64)]);
      const s = await send([probe(data)], [], 'rent (sysvar, 7 lengths)');
      expectOk(s);
      const rent = await client.getRent();
      lens.forEach((len, i) => assert.equal(s.returnData?.readBigUInt64LE(8 * i), rent.minimumBalance(len), `len ${len}`));
    });

    it('Rent::minimum_balance without floats: exact, or rounded up, for any threshold', async function () {
      const bits = (f: number): bigint => {
        const b = Buffer.alloc(8);
        b.writeDoubleLE(f);
        return b.readBigUInt64LE();
      };
      /** ceil(base * threshold) computed exactly from the float's bits. */
      const exactCeil = (base: bigint, threshold: number): bigint => {
        const raw = bits(threshold);
        const exp = Number((raw >> 52n) & 0x7ffn);
        const frac = raw & ((1n << 52n) - 1n);
        const [m, e] = exp === 0 ? [frac, -1074] : [frac | (1n << 52n), exp - 1075];
        const num = base * m;
        if (e >= 0) return num << BigInt(e);
        const den = 1n << BigInt(-e);
        return (num + den - 1n) / den;
      };
      const lens = [0n, 1n, 48n, 165n, 12_345n];
      for (const lamportsPerByteYear of [3480n, 1n, 7n, 1_000_000_007n]) {
        for (const threshold of [2.0, 1.0, 3.0, 0.5, 2.5, 1.7, 0.1, 1e-9, 123.456]) {
          const data = Buffer.concat([u8(TAG.rent), u8(1), u64(lamportsPerByteYear), u64(bits(threshold)), u8(lens.length), ...lens.map(u64)]);
          const s = await send([probe(data)]);
          expectOk(s);
          lens.forEach((len, i) => {
            const base = (128n + len) * lamportsPerByteYear;
            const ours = s.returnData!.readBigUInt64LE(8 * i);
            const runtime = BigInt(Math.trunc(Number(base) * threshold)); // what the runtime computes
            const what = `lpby ${lamportsPerByteYear} threshold ${threshold} len ${len}`;
            assert.equal(ours, exactCeil(base, threshold), what);
            if (Number.isInteger(threshold)) assert.equal(ours, runtime, what);
            else assert.ok(ours >= runtime && ours - runtime <= 1n, `${what}: ${ours} vs ${runtime}`);
          });
        }
      }
    });

    it('sha256 over several slices', async function () {
      for (const len of [0, 1, 33, 700]) {
        const payload = Buffer.alloc(len);
        for (let i = 0; i < len; i++) payload[i] = (i * 31 + 7) & 0xff;
        const s = await send([probe(Buffer.concat([u8(TAG.sha256), payload]))], [], len === 700 ? 'sha256 (700 bytes, 2 slices)' : undefined);
        expectOk(s);
        assert.deepEqual(s.returnData, sha256(payload), `len ${len}`);
      }
    });

    it('emits one "Program data:" line that Anchor\'s EventParser decodes', async function () {
      const who = Keypair.generate().publicKey;
      const payload = Buffer.concat([u64(42n), who.toBuffer(), u8(1)]);
      const s = await send([probe(Buffer.concat([u8(TAG.event), payload]))], [], 'event (41-byte payload)');
      expectOk(s);
      const lines = s.logs.filter((l) => l.startsWith('Program data: '));
      assert.equal(lines.length, 1);
      const b64 = lines[0].slice('Program data: '.length);
      assert.ok(!b64.includes(' '), 'a single base64 slice');
      assert.deepEqual(Buffer.from(b64, 'base64'), Buffer.concat([sha256('event:ProbeEvent').subarray(0, 8), payload]));

      const idl = {
        address: programId.toBase58(),
        metadata: { name: 'runtime_probe', version: '0.1.0', spec: '0.1.0' },
        instructions: [],
        events: [{ name: 'ProbeEvent', discriminator: [...sha256('event:ProbeEvent').subarray(0, 8)] }],
        types: [
          {
            name: 'ProbeEvent',
            type: {
              kind: 'struct',
              fields: [
                { name: 'amount', type: 'u64' },
                { name: 'who', type: 'pubkey' },
                { name: 'flag', type: 'bool' },
              ],
            },
          },
        ],
      } as unknown as Idl;
      const events = [...new EventParser(programId, new BorshCoder(idl)).parseLogs(s.logs)];
      assert.equal(events.length, 1);
      assert.equal(events[0].name, 'ProbeEvent');
      const decoded = events[0].data as unknown as { amount: { toString(): string }; who: PublicKey; flag: boolean };
      assert.equal(decoded.amount.toString(), '42');
      assert.ok(decoded.who.equals(who));
      assert.equal(decoded.flag, true);
    });

    it('LogBuffer: base58 keys, numbers, truncation at a character boundary', async function () {
      const leadingZero = new PublicKey(Buffer.concat([Buffer.alloc(1), Buffer.alloc(31, 0xff)]));
      const keys = [payer.publicKey, SystemProgram.programId, TOKEN_PROGRAM_ID, leadingZero, Keypair.generate().publicKey];
      const s = await send([probe(u8(TAG.logs), keys.map((k) => r(k)))], [], 'logs (5 base58 keys + numbers)');
      expectOk(s);
      for (const key of keys) assert.ok(s.logs.includes(`Program log: key ${key.toBase58()}`), key.toBase58());
      assert.ok(s.logs.includes('Program log: numbers 18446744073709551615 -9223372036854775808 42'));
      assert.ok(s.logs.includes('Program log: truncated: '));
      assert.ok(s.logs.includes('Program log: 1234567890'));
      assert.ok(s.logs.some((l) => /^Program consumption: \d+ units remaining$/.test(l)));
      assert.ok(s.logs.includes('Program log: logs done'));
    });
  });

  describe('errors', function () {
    it('fail logs the line AnchorError.parse reads and returns the custom code', async function () {
      const s = await send([probe(Buffer.concat([u8(TAG.fail), u8(0)]))], [], 'fail (AnchorError occurred)');
      assert.ok(s.logs.includes('Program log: AnchorError occurred. Error Code: ProbeRequestedFailure. Error Number: 6001. Error Message: The probe was asked to fail.'));
      const e = anchorError(s);
      assert.equal(e.error.errorCode.code, 'ProbeRequestedFailure');
      assert.equal(e.error.errorCode.number, 6001);
      assert.equal(e.error.errorMessage, 'The probe was asked to fail');
      assert.equal(e.error.origin, undefined);
      assert.ok(e.program.equals(programId));
      assert.equal(customError(s), 6001);
    });

    it('fail_account names the account', async function () {
      const s = await send([probe(Buffer.concat([u8(TAG.fail), u8(1)]))], [], 'fail_account');
      assert.ok(
        s.logs.includes(
          'Program log: AnchorError caused by account: probe_account. Error Code: ConstraintHasOne. Error Number: 2001. Error Message: A has one constraint was violated.',
        ),
      );
      const e = anchorError(s);
      assert.equal(e.error.errorCode.code, 'ConstraintHasOne');
      assert.equal(e.error.errorCode.number, 2001);
      assert.equal(e.error.origin, 'probe_account');
      assert.equal(customError(s), 2001);
    });

    it('a panic logs its message and fails the transaction', async function () {
      const s = await send([probe(Buffer.concat([u8(TAG.fail), u8(2)]))]);
      assert.ok(s.logs.includes('Program log: probe panic'));
      assert.match(failure(s), /panicked/i);
    });

    it('a builtin error reaches the runtime as that builtin', async function () {
      const s = await send([probe(Buffer.concat([u8(TAG.fail), u8(3)]))]);
      assert.match(failure(s), /invalid account data for instruction/);
    });

    it('unknown tags and empty data are Anchor instruction errors', async function () {
      assert.equal(customError(await send([probe(u8(99))])), 101);
      assert.equal(customError(await send([probe(Buffer.alloc(0))])), 100);
    });
  });

  describe('accounts: duplicates, borrows, resize, close, limits', function () {
    it('the same writable account twice cannot be loaded mutably twice', async function () {
      const [state] = statePda(payer.publicKey);
      const s = await send(
        [probe(Buffer.concat([u8(TAG.duplicateBorrows), u8(0)]), [w(state), w(state), w(payer.publicKey, true), r(SystemProgram.programId)])],
        [],
        'duplicate mutable load (refused)',
      );
      assert.ok(
        s.logs.some((l) =>
          l.startsWith('Program log: ProgramError caused by account: second. Error Code: AccountBorrowFailed. Error Number: 51539607552.'),
        ),
        s.logs.join('\n'),
      );
      assert.match(failure(s), /already borrowed/);
    });

    it('borrow rules: shared vs mutable, data vs lamports, CPI while borrowed, drop releases', async function () {
      const [state] = statePda(payer.publicKey);
      const before = await balance(state);
      const s = await send(
        [probe(Buffer.concat([u8(TAG.duplicateBorrows), u8(1)]), [w(state), w(state), w(payer.publicKey, true), r(SystemProgram.programId)])],
        [],
        'borrow rules walk-through',
      );
      expectOk(s);
      assert.equal(await balance(state), before + 1n);
    });

    it('resize grows within the limit with zeroed bytes, and refuses past it', async function () {
      const [state] = statePda(payer.publicKey);
      const grow = (mode: number, len: number): TransactionInstruction =>
        probe(Buffer.concat([u8(TAG.resizeOrClose), u8(mode), u64(len)]), [w(state), w(payer.publicKey, true), r(SystemProgram.programId)]);
      const s = await send([grow(0, 1048)], [], 'resize 48 -> 1048 (+ rent top-up)');
      expectOk(s);
      assert.equal(s.returnData?.readBigUInt64LE(0), 1048n);
      const account = await client.getAccount(state);
      assert.ok(account);
      assert.equal(account.data.length, 1048);
      assert.ok(Buffer.from(account.data).subarray(48).every((b) => b === 0));
      assert.ok(BigInt(account.lamports) >= (await client.getRent()).minimumBalance(1048n));

      const tooFar = await send([grow(1, 0)]);
      assert.match(failure(tooFar), /realloc/i);
    });

    it('close_to moves every lamport and hands the account to the system program', async function () {
      const [state] = statePda(payer.publicKey);
      const stateLamports = await balance(state);
      const payerBefore = await balance(payer.publicKey);
      const s = await send(
        [probe(Buffer.concat([u8(TAG.resizeOrClose), u8(2), u64(0)]), [w(state), w(payer.publicKey, true), r(SystemProgram.programId)])],
        [],
        'close_to',
      );
      expectOk(s);
      assert.equal(await client.getAccount(state), null);
      assert.equal(await balance(payer.publicKey), payerBefore + stateLamports - BigInt(FEE));
      // Gone for good: loading it is "not initialized".
      assert.equal(anchorError(await send([probe(u8(TAG.loadState), [w(state)])])).error.errorCode.number, 3012);
    });

    it('64 accounts parse, 65 are refused', async function () {
      const metas = (n: number): AccountMeta[] => Array.from({ length: n }, () => r(SystemProgram.programId));
      const ok = await send([probe(u8(TAG.clock), metas(64))], [], 'entrypoint with 64 (duplicate) accounts');
      expectOk(ok);
      const refused = await send([probe(u8(TAG.clock), metas(65))]);
      assert.ok(refused.logs.includes('Program log: too many accounts'));
      assert.match(failure(refused), /invalid program argument/);
    });
  });

  describe('math', function () {
    const MAX = (1n << 64n) - 1n;
    type Vector = [op: number, a: bigint, b: bigint, c: bigint];
    const expected = ([op, a, b, c]: Vector): bigint | null => {
      const fit = (v: bigint): bigint | null => (v >= 0n && v <= MAX ? v : null);
      switch (op) {
        case 0: return fit(a + b);
        case 1: return fit(a - b);
        case 2: return fit(a * b);
        case 3: return b === 0n ? null : a / b;
        case 4: return c === 0n ? null : fit((a * b) / c);
        case 5: return c === 0n ? null : fit((a * b + c - 1n) / c);
        default: return fit((a * (b & 0xffffn)) / 10_000n);
      }
    };

    let seed = 0x9e3779b97f4a7c15n;
    const rand64 = (): bigint => {
      seed ^= (seed << 13n) & MAX;
      seed ^= seed >> 7n;
      seed ^= (seed << 17n) & MAX;
      return seed;
    };
    const randBits = (): bigint => rand64() >> BigInt(Number(rand64() % 64n));

    const vectors: Vector[] = [
      [0, MAX, 0n, 0n], [0, MAX, 1n, 0n], [1, 0n, 1n, 0n], [1, 5n, 5n, 0n],
      [2, 1n << 32n, 1n << 32n, 0n], [2, (1n << 32n) - 1n, (1n << 32n) + 1n, 0n], [2, MAX, 1n, 0n], [2, MAX, 2n, 0n],
      [2, 0n, MAX, 0n], [2, 0xffffffffn, 0xffffffffn, 0n], [3, 7n, 0n, 0n], [3, MAX, 3n, 0n],
      [4, MAX, MAX, MAX], [4, MAX, MAX, MAX - 1n], [4, MAX, 2n, 3n], [4, 10n, 10n, 0n], [4, 1n << 63n, 4n, 2n],
      [4, 123_456_789_012n, 987_654_321_098n, 1_000_000_007n], [4, MAX, MAX, 1n << 63n], [4, MAX - 1n, MAX, MAX],
      [4, 1n << 40n, 1n << 40n, (1n << 32n) + 1n], [4, MAX, 1n << 32n, (1n << 32n) + 1n],
      [5, 1n, 1n, 3n], [5, MAX, MAX, MAX], [5, MAX, 1n, 1n], [5, MAX, 2n, 2n], [5, MAX, 3n, 2n], [5, 10n, 10n, 0n],
      [6, 1_000_000n, 250n, 0n], [6, MAX, 10_000n, 0n], [6, MAX, 65_535n, 0n], [6, 9_999n, 1n, 0n],
    ];
    for (let i = 0; i < 150; i++) {
      const op = 2 + (i % 5);
      vectors.push([op === 3 ? 4 : op, randBits(), randBits(), op === 6 ? 0n : randBits() | 1n]);
    }
    for (let i = 0; i < 40; i++) {
      // Quotients near the 64-bit limit, where the long division's corrections happen.
      const c = rand64() | (1n << 63n);
      const a = rand64();
      vectors.push([i % 2 === 0 ? 4 : 5, a, c - 1n - (rand64() % 1000n), c]);
    }

    it(`checked ops, mul_div_floor/ceil and bps_of match BigInt on ${vectors.length} vectors`, async function () {
      for (let at = 0; at < vectors.length; at += 32) {
        const batch = vectors.slice(at, at + 32);
        const data = Buffer.concat([u8(TAG.math), u8(batch.length), ...batch.map(([op, a, b, c]) => Buffer.concat([u8(op), u64(a), u64(b), u64(c)]))]);
        const s = await send([probe(data)], [], at === 0 ? 'math (32 mixed vectors)' : undefined);
        expectOk(s);
        batch.forEach((v, i) => {
          const ok = s.returnData![9 * i] === 1;
          const value = s.returnData!.readBigUInt64LE(9 * i + 1);
          const want = expected(v);
          assert.equal(ok ? value : null, want, `op ${v[0]} a=${v[1]} b=${v[2]} c=${v[3]}`);
        });
      }
    });

    it('overflow says where it happened', async function () {
      const data = Buffer.concat([u8(TAG.math), u8(1), u8(0), u64(MAX), u64(1), u64(0)]);
      const s = await send([probe(data)]);
      expectOk(s);
      assert.ok(s.logs.some((l) => /^Program log: math overflow at tests\/fixtures\/runtime_probe\/src\/lib\.rs:\d+$/.test(l) || /^Program log: math overflow at .*runtime_probe.*lib\.rs:\d+$/.test(l)), s.logs.join('\n'));
    });
  });

  describe('introspection and loader', function () {
    it('reads the Instructions sysvar: current index and instruction 0', async function () {
      const s = await send([probe(u8(TAG.introspection), [r(SYSVAR_INSTRUCTIONS_PUBKEY)])], [], 'instructions sysvar');
      expectOk(s);
      const data = s.returnData;
      assert.ok(data);
      assert.equal(data.readUInt16LE(0), 1);
      assert.ok(new PublicKey(data.subarray(2, 34)).equals(ComputeBudgetProgram.programId));
      assert.equal(data[34], 2); // SetComputeUnitLimit
      assert.equal(data.length, 34 + 5);
    });

    it('refuses another account as the Instructions sysvar', async function () {
      const s = await send([probe(u8(TAG.introspection), [r(SystemProgram.programId)])]);
      assert.match(failure(s), /[Uu]nsupported sysvar/);
    });

    it('reads the upgrade authority from ProgramData', async function () {
      const programData = PublicKey.findProgramAddressSync([programId.toBuffer()], BPF_UPGRADEABLE_LOADER)[0];
      const s = await send([probe(u8(TAG.upgradeAuthority), [r(programData)])], [], 'upgrade authority');
      expectOk(s);
      assert.ok(s.returnData && new PublicKey(s.returnData).equals(upgradeAuthority));
      const notProgramData = await send([probe(u8(TAG.upgradeAuthority), [r(payer.publicKey)])]);
      expectOk(notProgramData);
      assert.ok(notProgramData.returnData === null || notProgramData.returnData.length === 0);
    });
  });
});
