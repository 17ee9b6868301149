/**
 * Address lookup tables on the localnet, the way clients make them: createLookupTable with the
 * slot getSlot() just returned, extend it, then a v0 transaction that loads its accounts from it.
 */
import { AddressLookupTableProgram, Keypair, SystemProgram, TransactionMessage, type TransactionInstruction, VersionedTransaction, type Connection } from '@solana/web3.js';
import assert from 'node:assert/strict';
import type { Localnet } from '../../localnet';
import { connect, fundedWallet, startTestLocalnet, stop, waitForSlotAfter } from './helpers';

describe('localnet: address lookup tables', () => {
  let net: Localnet;
  let c: Connection;
  let payer: Keypair;

  before(async () => {
    net = await startTestLocalnet();
    c = connect(net);
    payer = await fundedWallet(net, 10);
  });

  after(async () => {
    await stop(net);
  });

  async function sendV0(instructions: TransactionInstruction[], tables: Parameters<TransactionMessage['compileToV0Message']>[0] = []) {
    const { blockhash } = await c.getLatestBlockhash();
    const message = new TransactionMessage({ payerKey: payer.publicKey, recentBlockhash: blockhash, instructions }).compileToV0Message(tables);
    const tx = new VersionedTransaction(message);
    tx.sign([payer]);
    const sig = await c.sendTransaction(tx);
    await c.confirmTransaction(sig, 'confirmed');
    return { sig, message };
  }

  it('SlotHashes holds the recent slots, newest first, including the slot getSlot() answers', async () => {
    // A transaction makes the bank write the sysvar for its slot.
    await sendV0([SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 })]);
    const hashes = net.bank.svm.getSlotHashes();
    const newest = Number(hashes[0].slot);
    assert.ok(newest <= net.bank.slot);
    assert.equal(hashes.length, Math.min(512, newest + 1));
    for (let i = 1; i < hashes.length; i++) assert.equal(hashes[i - 1].slot, hashes[i].slot + 1n);
    assert.equal(hashes[0].hash, net.bank.blockhashOf(Number(hashes[0].slot)));
  });

  it('creates a table from a recent getSlot(), extends it, and a v0 transaction loads its addresses', async () => {
    const recentSlot = await c.getSlot('finalized');
    const [create, table] = AddressLookupTableProgram.createLookupTable({ authority: payer.publicKey, payer: payer.publicKey, recentSlot });
    await sendV0([create]);
    const recipients = [Keypair.generate().publicKey, Keypair.generate().publicKey, Keypair.generate().publicKey];
    const { sig: extendSig } = await sendV0([
      AddressLookupTableProgram.extendLookupTable({ lookupTable: table, authority: payer.publicKey, payer: payer.publicKey, addresses: recipients }),
    ]);
    const extended = await c.getTransaction(extendSig, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' });
    // Addresses added in a slot can be used from the next one.
    await waitForSlotAfter(net, extended!.slot);
    const fetched = (await c.getAddressLookupTable(table)).value;
    assert.ok(fetched);
    assert.deepEqual(fetched.state.addresses.map(String), recipients.map(String));

    const { sig, message } = await sendV0(
      recipients.map((to) => SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 2_000_000 })),
      [fetched],
    );
    assert.equal(message.addressTableLookups.length, 1);
    assert.equal(message.addressTableLookups[0].writableIndexes.length, 3);
    for (const to of recipients) assert.equal(await c.getBalance(to), 2_000_000);
    const landed = await c.getTransaction(sig, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' });
    assert.deepEqual(landed!.meta!.loadedAddresses!.writable.map(String), recipients.map(String));
  });

  it('refuses a table whose recent slot is not in SlotHashes', async () => {
    const [create] = AddressLookupTableProgram.createLookupTable({ authority: payer.publicKey, payer: payer.publicKey, recentSlot: (await c.getSlot()) + 10_000 });
    await assert.rejects(sendV0([create]), /not a recent slot|InvalidInstructionData|invalid instruction data/i);
  });
});
