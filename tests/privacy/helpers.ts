/**
 * A real ecash world for the privacy suites: the local network (litesvm behind JSON-RPC), a
 * real SPL USDC mint, the mint service on an ephemeral port, and a client that buys credits
 * by paying USDC on chain.
 */
import { createMint, createTransferCheckedInstruction, getAssociatedTokenAddressSync, getOrCreateAssociatedTokenAccount, mintTo } from '@solana/spl-token';
import { Keypair, PublicKey, Transaction, sendAndConfirmTransaction, type Connection } from '@solana/web3.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Localnet } from '../../localnet';
import { loadMintConfig, startMint, type RunningMint } from '../../mint/service';
import { createLogger } from '../../service-kit/log';
import type { Proof } from '../../sdk/src/privacy/token';
import { createOutputs, MintClient, unblindOutputs, type MintQuote } from '../../sdk/src/privacy/wallet';
import { connect, fundedWallet, startTestLocalnet, stop, tempDir } from '../localnet/helpers';

export interface Chain {
  net: Localnet;
  conn: Connection;
  usdcMint: PublicKey;
  mintWallet: Keypair;
  mintWalletFile: string;
  client: Keypair;
  clientAta: PublicKey;
  dir: { path: string; remove(): void };
}

export async function startChain(clientUsdc = 1_000_000_000n): Promise<Chain> {
  const net = await startTestLocalnet();
  const conn = connect(net);
  const authority = await fundedWallet(net, 100);
  const usdcMint = await createMint(conn, authority, authority.publicKey, null, 6);
  const mintWallet = await fundedWallet(net, 100);
  await getOrCreateAssociatedTokenAccount(conn, authority, usdcMint, mintWallet.publicKey);
  const client = await fundedWallet(net, 10);
  const clientAta = (await getOrCreateAssociatedTokenAccount(conn, authority, usdcMint, client.publicKey)).address;
  await mintTo(conn, authority, usdcMint, clientAta, authority, clientUsdc);
  const dir = tempDir('peer-mint');
  const mintWalletFile = join(dir.path, 'mint-wallet.json');
  writeFileSync(mintWalletFile, JSON.stringify([...mintWallet.secretKey]));
  return { net, conn, usdcMint, mintWallet, mintWalletFile, client, clientAta, dir };
}

export async function stopChain(chain: Chain | undefined): Promise<void> {
  if (!chain) return;
  await stop(chain.net);
  chain.dir.remove();
}

export function mintFlags(chain: Chain, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    port: '0',
    data_dir: join(chain.dir.path, 'mint'),
    rpc_url: chain.net.rpcUrl,
    usdc_mint: chain.usdcMint.toBase58(),
    keypair: chain.mintWalletFile,
    ...extra,
  };
}

export async function startTestMint(chain: Chain, lines: string[] = [], extra: Record<string, unknown> = {}): Promise<RunningMint> {
  const config = loadMintConfig({ flags: mintFlags(chain, extra), env: {} });
  return startMint(config, { log: createLogger({ service: 'mint', write: (l) => lines.push(l) }) });
}

/** Pays a mint quote on chain the Solana Pay way: a TransferChecked listing the reference key. */
export async function payQuote(chain: Chain, q: MintQuote, payer: Keypair = chain.client, amount = BigInt(q.amount_usdc)): Promise<string> {
  const from = getAssociatedTokenAddressSync(chain.usdcMint, payer.publicKey);
  const ix = createTransferCheckedInstruction(from, chain.usdcMint, new PublicKey(q.pay_to), payer.publicKey, amount, 6);
  ix.keys.push({ pubkey: new PublicKey(q.reference), isSigner: false, isWritable: false });
  return sendAndConfirmTransaction(chain.conn, new Transaction().add(ix), [payer], { commitment: 'confirmed' });
}

/** Buys `credits` of ecash: quote → USDC transfer on chain → mint → unblind. */
export async function buyCredits(chain: Chain, client: MintClient, credits: number): Promise<Proof[]> {
  const q = await client.createMintQuote(credits);
  await payQuote(chain, q);
  const { id, keys } = await client.activeKeys();
  const pending = createOutputs(credits, id);
  return unblindOutputs(pending, await client.mint(q.quote, pending.outputs), keys);
}

export async function usdcBalance(chain: Chain, owner: PublicKey): Promise<bigint> {
  const ata = getAssociatedTokenAddressSync(chain.usdcMint, owner, true);
  const info = await chain.conn.getTokenAccountBalance(ata, 'confirmed').catch(() => null);
  return info ? BigInt(info.value.amount) : 0n;
}
