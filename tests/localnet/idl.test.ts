/**
 * On-chain IDLs on the local network: the programs answer Anchor's IDL instructions
 * (programs/runtime/src/idl.rs), migrations/deploy/idl.ts publishes like `anchor idl init`,
 * and Anchor's own readers find it: `Program.fetchIdl` / `Program.at()` and the raw account
 * layout `anchor idl fetch` decodes.
 */
import { AnchorProvider, Program, Wallet } from '@coral-xyz/anchor';
import { Keypair, Transaction, sendAndConfirmTransaction, type Connection } from '@solana/web3.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Localnet } from '../../localnet';
import { programAccounts } from '../../localnet/preload';
import { closeIdlInstruction, decodeIdlAccount, idlAddress, publishIdl, writeIdlInstruction } from '../../migrations/deploy/idl';
import { TxSender } from '../../migrations/deploy/send';
import { REPO_ROOT } from '../../tools/workspace';
import { connect, fundedWallet, startTestLocalnet, stop, waitForSlotAfter } from './helpers';

describe('localnet: on-chain Anchor IDL', () => {
  let net: Localnet;
  let c: Connection;
  let authority: Keypair;
  const market = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(join(REPO_ROOT, 'target/deploy/peer_market-keypair.json'), 'utf8')) as number[])).publicKey;
  const idl = JSON.parse(readFileSync(join(REPO_ROOT, 'target/idl/peer_market.json'), 'utf8')) as { address: string; instructions: unknown[] };

  before(async () => {
    net = await startTestLocalnet();
    c = connect(net);
    authority = await fundedWallet(net, 100);
    await net.bank.setAccounts(programAccounts(market.toBase58(), join(REPO_ROOT, 'target/deploy/peer_market.so'), net.bank));
    await waitForSlotAfter(net, net.bank.slot); // the program is usable from the next slot
  });

  after(async () => {
    await stop(net);
  });

  it('publishes the IDL (create, resize, ordered writes) and Program.at() builds a client from it', async () => {
    const sender = new TxSender(c, authority, { concurrency: 4, pollMs: 50 });
    const r = await publishIdl(c, sender, authority, market, idl);
    assert.equal(r.action, 'published');
    assert.ok(r.bytes > 10_000, 'large enough to need a resize');
    assert.ok(r.address.equals(idlAddress(market)));

    // Anchor's reader: the account at its canonical address, 8-byte discriminator, authority, zlib JSON.
    const account = await c.getAccountInfo(r.address);
    assert.ok(account && account.owner.equals(market));
    const discriminator = Buffer.from(account.data.subarray(0, 8));
    assert.deepEqual([...discriminator], [24, 70, 98, 191, 58, 144, 123, 158]); // sha256("internal:IdlAccount")[..8]
    assert.ok(account.data.subarray(8, 40).equals(authority.publicKey.toBuffer()));
    const len = account.data.readUInt32LE(40);
    assert.deepEqual(JSON.parse(inflateSync(account.data.subarray(44, 44 + len)).toString()), idl);

    const provider = new AnchorProvider(c, new Wallet(authority), { commitment: 'confirmed' });
    assert.deepEqual(await Program.fetchIdl(market, provider), idl);
    const program = await Program.at(market, provider);
    assert.ok(program.programId.equals(market));
    assert.equal(program.idl.instructions.length, idl.instructions.length);

    // Publishing the same IDL again changes nothing.
    assert.equal((await publishIdl(c, sender, authority, market, idl)).action, 'unchanged');
  });

  it('refuses writes and closes from anyone but the IDL authority, with a clear log', async () => {
    const stranger = await fundedWallet(net, 5);
    const write = new Transaction().add(writeIdlInstruction(market, stranger.publicKey, Buffer.from('junk')));
    await assert.rejects(sendAndConfirmTransaction(c, write, [stranger]), (e: Error & { logs?: string[] }) => (e.logs ?? []).some((l) => l.includes('idl: wrong authority')));
    const close = new Transaction().add(closeIdlInstruction(market, stranger.publicKey, stranger.publicKey));
    await assert.rejects(sendAndConfirmTransaction(c, close, [stranger]));
    assert.ok(decodeIdlAccount((await c.getAccountInfo(idlAddress(market)))!.data));
  });

  it('republishes a changed IDL (close, then create again)', async () => {
    const sender = new TxSender(c, authority, { concurrency: 4, pollMs: 50 });
    const changed = { ...idl, metadata: { ...(idl as { metadata?: object }).metadata, description: 'changed' } };
    assert.equal((await publishIdl(c, sender, authority, market, changed)).action, 'republished');
    const provider = new AnchorProvider(c, new Wallet(authority), { commitment: 'confirmed' });
    assert.deepEqual(await Program.fetchIdl(market, provider), changed);
  });
});
