/**
 * The interface spec, the IDL, the Rust code and the SDK agree: everything generated is up to
 * date, discriminators are Anchor's, layouts have the sizes Anchor's coder computes, and the
 * SDK's seeds and constants are the program's.
 */
import { BorshCoder, type Idl } from '@coral-xyz/anchor';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { buildIdl, buildTypesFile } from '../../tools/idl/idl';
import { screamingSnake } from '../../tools/idl/layout';
import { buildRustInterface } from '../../tools/idl/rust';
import { discoverPrograms, programKeypair } from '../../tools/generate';
import { MARKET, PEER_MARKET_PROGRAM_ID } from '../../sdk/src/constants';
import { findConfigPda, findUsdcVaultPda } from '../../sdk/src/pda';
import { localnetPrograms, REPO_ROOT } from '../../tools/workspace';

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

function anchorDiscriminator(namespace: string, name: string): number[] {
  return [...createHash('sha256').update(`${namespace}:${name}`).digest().subarray(0, 8)];
}

function rustConst(rust: string, name: string): string {
  const m = new RegExp(`pub const ${name}: [^=]+ = ([^;]+);`).exec(rust);
  assert.ok(m, `interface.rs has no constant ${name}`);
  return m[1];
}

for (const program of discoverPrograms()) {
  describe(`interface of ${program.name}`, () => {
    const programId = programKeypair(program).publicKey;
    const idl = JSON.parse(read(`target/idl/${program.name}.json`)) as Idl & Record<string, any>;
    const rust = read(`programs/${program.name}/src/interface.rs`);

    it('has one program id in the keypair, Anchor.toml, the IDL and interface.rs', () => {
      assert.ok(localnetPrograms()[program.name].equals(programId));
      assert.equal(idl.address, programId.toBase58());
      assert.equal(rustConst(rust, 'ID'), `[${[...programId.toBytes()].join(', ')}]`);
    });

    it('has every generated file up to date with the spec', () => {
      const fresh = buildIdl(program.spec, programId.toBase58());
      assert.deepEqual(idl, JSON.parse(JSON.stringify(fresh)));
      assert.equal(read(`target/types/${program.name}.ts`), buildTypesFile(fresh));
      assert.equal(read(`sdk/src/idl/${program.name}.json`), read(`target/idl/${program.name}.json`));
      assert.equal(read(`sdk/src/idl/${program.name}.ts`), read(`target/types/${program.name}.ts`));
      assert.equal(rust, buildRustInterface(program.spec, programId) + '\n');
    });

    it('uses Anchor discriminators in the IDL and the Rust dispatch', () => {
      for (const ix of idl.instructions) {
        const expected = anchorDiscriminator('global', ix.name);
        assert.deepEqual(ix.discriminator, expected, ix.name);
        const asU64 = Buffer.from(expected).readBigUInt64LE();
        assert.equal(BigInt(rustConst(rust, screamingSnake(ix.name))), asU64, `${ix.name} in interface.rs`);
      }
      for (const acc of idl.accounts ?? []) {
        assert.deepEqual(acc.discriminator, anchorDiscriminator('account', acc.name));
        assert.ok(rust.includes(`const DISCRIMINATOR: [u8; 8] = [${acc.discriminator.join(', ')}];`), acc.name);
      }
      for (const ev of idl.events ?? []) {
        assert.deepEqual(ev.discriminator, anchorDiscriminator('event', ev.name));
        assert.ok(rust.includes(`EVENT_DISCRIMINATOR: [u8; 8] = [${ev.discriminator.join(', ')}];`), ev.name);
      }
    });

    it('lays out accounts with the sizes Anchor\'s coder computes', () => {
      const coder = new BorshCoder(idl);
      for (const acc of idl.accounts ?? []) {
        const m = new RegExp(`pub struct ${acc.name} \\{[\\s\\S]*?pub const LEN: usize = (\\d+);`).exec(rust);
        assert.ok(m, `no LEN for ${acc.name}`);
        assert.equal(Number(m[1]), coder.accounts.size(acc.name), acc.name);
      }
    });

    it('numbers errors from 6000 in the IDL and interface.rs alike', () => {
      (idl.errors ?? []).forEach((e: { code: number; name: string }, i: number) => {
        assert.equal(e.code, 6000 + i);
        assert.ok(rust.includes(`ErrorInfo { code: ${e.code}, name: "${e.name}"`), e.name);
      });
    });

    it('has the IDL constants in interface.rs', () => {
      for (const c of idl.constants ?? []) {
        const value = rustConst(rust, c.name);
        if (c.type === 'bytes') {
          assert.deepEqual([...Buffer.from(/^b"(.*)"$/.exec(value)![1])], JSON.parse(c.value));
        } else {
          assert.equal(value.replace(/_/g, ''), c.value);
        }
      }
    });
  });
}

describe('SDK mirrors peer_market', () => {
  const rust = read('programs/peer_market/src/interface.rs');
  it('derives the same PDAs the program precomputes', () => {
    const [config, configBump] = findConfigPda();
    const [vault, vaultBump] = findUsdcVaultPda();
    assert.equal(rustConst(rust, 'CONFIG_ADDRESS'), `[${[...config.toBytes()].join(', ')}]`);
    assert.equal(Number(rustConst(rust, 'CONFIG_BUMP')), configBump);
    assert.equal(rustConst(rust, 'USDC_VAULT_ADDRESS'), `[${[...vault.toBytes()].join(', ')}]`);
    assert.equal(Number(rustConst(rust, 'USDC_VAULT_BUMP')), vaultBump);
  });
  it('uses the program\'s seeds and economics constants', () => {
    assert.ok(PEER_MARKET_PROGRAM_ID.equals(localnetPrograms().peer_market));
    assert.equal(MARKET.SEED_CONFIG.toString(), 'config');
    assert.equal(MARKET.CREDIT_BASE_UNITS, 10_000n);
    assert.equal(MARKET.USDC_DECIMALS, 6);
  });
});
