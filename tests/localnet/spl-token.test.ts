/** @solana/spl-token against the localnet: real mints and token accounts, parsed reads. */
import {
  AccountLayout,
  createMint,
  getAccount,
  getMint,
  getOrCreateAssociatedTokenAccount,
  mintTo,
  TOKEN_PROGRAM_ID,
  transfer,
} from '@solana/spl-token';
import { Keypair, type Connection, type ParsedAccountData, type PublicKey } from '@solana/web3.js';
import assert from 'node:assert/strict';
import type { Localnet } from '../../localnet';
import { connect, fundedWallet, rpc, startTestLocalnet, stop } from './helpers';

describe('localnet: SPL Token round trips', () => {
  let net: Localnet;
  let c: Connection;
  let payer: Keypair;
  let mint: PublicKey;
  let aliceAta: PublicKey;
  let bobAta: PublicKey;
  let lastTransfer: string;
  const alice = Keypair.generate();
  const bob = Keypair.generate();

  before(async () => {
    net = await startTestLocalnet();
    c = connect(net);
    payer = await fundedWallet(net, 100);
    mint = await createMint(c, payer, payer.publicKey, null, 6);
    aliceAta = (await getOrCreateAssociatedTokenAccount(c, payer, mint, alice.publicKey)).address;
    bobAta = (await getOrCreateAssociatedTokenAccount(c, payer, mint, bob.publicKey)).address;
    await mintTo(c, payer, mint, aliceAta, payer, 5_000_000n);
    lastTransfer = await transfer(c, payer, aliceAta, bobAta, alice, 1_500_000n);
  });

  after(async () => {
    await stop(net);
  });

  it('creates mints and accounts, mints and transfers (spl-token high-level calls)', async () => {
    const m = await getMint(c, mint);
    assert.equal(m.decimals, 6);
    assert.equal(m.supply, 5_000_000n);
    assert.ok(m.mintAuthority?.equals(payer.publicKey));
    assert.equal((await getAccount(c, aliceAta)).amount, 3_500_000n);
    assert.equal((await getAccount(c, bobAta)).amount, 1_500_000n);
  });

  it('parses token accounts and mints as jsonParsed', async () => {
    const acc = await c.getParsedAccountInfo(bobAta);
    const data = acc.value?.data as ParsedAccountData;
    assert.equal(data.program, 'spl-token');
    assert.equal(data.space, 165);
    assert.equal(data.parsed.type, 'account');
    assert.deepEqual(data.parsed.info, {
      isNative: false,
      mint: mint.toBase58(),
      owner: bob.publicKey.toBase58(),
      state: 'initialized',
      tokenAmount: { amount: '1500000', decimals: 6, uiAmount: 1.5, uiAmountString: '1.5' },
    });
    const m = (await c.getParsedAccountInfo(mint)).value?.data as ParsedAccountData;
    assert.deepEqual(m.parsed, {
      type: 'mint',
      info: { decimals: 6, freezeAuthority: null, isInitialized: true, mintAuthority: payer.publicKey.toBase58(), supply: '5000000' },
    });
  });

  it('answers getTokenAccountBalance and getTokenSupply', async () => {
    const bal = await c.getTokenAccountBalance(aliceAta);
    assert.deepEqual(bal.value, { amount: '3500000', decimals: 6, uiAmount: 3.5, uiAmountString: '3.5' });
    const supply = await c.getTokenSupply(mint);
    assert.equal(supply.value.amount, '5000000');
    const notToken = await rpc(net, 'getTokenAccountBalance', [payer.publicKey.toBase58()]);
    assert.equal(notToken.error?.code, -32602);
  });

  it('lists token accounts by owner, by mint or program, raw and parsed', async () => {
    const byMint = await c.getTokenAccountsByOwner(bob.publicKey, { mint });
    assert.equal(byMint.value.length, 1);
    assert.ok(byMint.value[0].pubkey.equals(bobAta));
    assert.equal(AccountLayout.decode(byMint.value[0].account.data).amount, 1_500_000n);
    const byProgram = await c.getParsedTokenAccountsByOwner(alice.publicKey, { programId: TOKEN_PROGRAM_ID });
    assert.equal(byProgram.value.length, 1);
    assert.equal(byProgram.value[0].account.data.parsed.info.tokenAmount.amount, '3500000');
    const nobody = await c.getTokenAccountsByOwner(Keypair.generate().publicKey, { mint });
    assert.equal(nobody.value.length, 0);
    const badProgram = await rpc(net, 'getTokenAccountsByOwner', [bob.publicKey.toBase58(), { programId: payer.publicKey.toBase58() }]);
    assert.equal(badProgram.error?.code, -32602);
  });

  it('filters token accounts with getProgramAccounts (dataSize + memcmp on the owner)', async () => {
    const list = await c.getProgramAccounts(TOKEN_PROGRAM_ID, { filters: [{ dataSize: 165 }, { memcmp: { offset: 32, bytes: alice.publicKey.toBase58() } }] });
    assert.deepEqual(list.map((a) => a.pubkey.toBase58()), [aliceAta.toBase58()]);
  });

  it('records token balances before and after in the transaction meta', async () => {
    const tx = await c.getTransaction(lastTransfer, { maxSupportedTransactionVersion: 0 });
    const pre = tx?.meta?.preTokenBalances ?? [];
    const post = tx?.meta?.postTokenBalances ?? [];
    const of = (list: typeof pre, owner: PublicKey) => list.find((b) => b.owner === owner.toBase58())?.uiTokenAmount.amount;
    assert.equal(of(pre, alice.publicKey), '5000000');
    assert.equal(of(post, alice.publicKey), '3500000');
    assert.equal(of(pre, bob.publicKey), '0');
    assert.equal(of(post, bob.publicKey), '1500000');
    assert.ok(post.every((b) => b.mint === mint.toBase58() && b.programId === TOKEN_PROGRAM_ID.toBase58()));
  });
});
