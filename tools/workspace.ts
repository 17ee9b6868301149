/** The built workspace: program ids from Anchor.toml, `.so` files from target/deploy, IDLs. */
import { PublicKey } from '@solana/web3.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Idl } from '@coral-xyz/anchor';

export const REPO_ROOT = join(__dirname, '..');

/** `[programs.localnet]` of Anchor.toml: name → program id. */
export function localnetPrograms(): Record<string, PublicKey> {
  const toml = readFileSync(join(REPO_ROOT, 'Anchor.toml'), 'utf8');
  const section = /\[programs\.localnet\]\n((?:[^\n[]*\n)*)/.exec(toml);
  if (!section) throw new Error('Anchor.toml has no [programs.localnet] section');
  const out: Record<string, PublicKey> = {};
  for (const line of section[1].split('\n')) {
    const m = /^\s*(\w+)\s*=\s*"(\w+)"/.exec(line);
    if (m) out[m[1]] = new PublicKey(m[2]);
  }
  return out;
}

export function programBinary(name: string): Buffer {
  const path = join(REPO_ROOT, 'target/deploy', `${name}.so`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return readFileSync(path);
}

export function programIdl<T extends Idl = Idl>(name: string): T {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'target/idl', `${name}.json`), 'utf8')) as T;
}
