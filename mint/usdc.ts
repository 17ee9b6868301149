/**
 * The mint's payment rail: USDC on Solana over JSON-RPC. Incoming: a mint quote names the
 * mint's USDC associated token account and a fresh `reference` key; the payer lists the
 * reference as a read-only account of its transfer (the Solana Pay convention), and the mint
 * finds the transfer with getSignaturesForAddress(reference) and checks the token balance
 * change of its own account in the landed transaction. Outgoing (melt): a TransferChecked from
 * the mint's account, signed and recorded before it is sent, so a restart can find out whether
 * it landed instead of paying twice.
 */
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
} from '@solana/spl-token';
import { Connection, PublicKey, Transaction, type Keypair } from '@solana/web3.js';
import bs58 from 'bs58';

export const USDC_DECIMALS = 6;
/** 1 credit = $0.01 = 10,000 USDC base units. */
export const BASE_UNITS_PER_CREDIT = 10_000n;

export interface PreparedTransfer {
  signature: string;
  blob: string;
  lastValidBlockHeight: number;
}

export type TransferStatus = 'confirmed' | 'failed' | 'unknown';

export interface UsdcRail {
  readonly usdcMint: PublicKey;
  readonly owner: PublicKey;
  readonly account: PublicKey;
  /** A landed, successful transaction listing `reference` that raised our balance by ≥ `minBaseUnits`. */
  findPayment(reference: PublicKey, minBaseUnits: bigint): Promise<string | null>;
  prepareTransfer(destinationOwner: PublicKey, baseUnits: bigint): Promise<PreparedTransfer>;
  submit(blob: string): Promise<void>;
  status(signature: string): Promise<TransferStatus>;
  blockHeight(): Promise<number>;
}

export class SolanaUsdcRail implements UsdcRail {
  readonly account: PublicKey;
  constructor(
    private readonly connection: Connection,
    private readonly wallet: Keypair,
    readonly usdcMint: PublicKey,
  ) {
    this.account = getAssociatedTokenAddressSync(usdcMint, wallet.publicKey, true);
  }

  get owner(): PublicKey {
    return this.wallet.publicKey;
  }

  async findPayment(reference: PublicKey, minBaseUnits: bigint): Promise<string | null> {
    const sigs = await this.connection.getSignaturesForAddress(reference, { limit: 25 }, 'confirmed');
    for (const s of sigs) {
      if (s.err) continue;
      const tx = await this.connection.getTransaction(s.signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
      if (!tx?.meta || tx.meta.err) continue;
      const mine = (list: typeof tx.meta.preTokenBalances) =>
        (list ?? []).filter((b) => b.mint === this.usdcMint.toBase58() && b.owner === this.owner.toBase58()).reduce((sum, b) => sum + BigInt(b.uiTokenAmount.amount), 0n);
      const delta = mine(tx.meta.postTokenBalances) - mine(tx.meta.preTokenBalances);
      if (delta >= minBaseUnits) return s.signature;
    }
    return null;
  }

  async prepareTransfer(destinationOwner: PublicKey, baseUnits: bigint): Promise<PreparedTransfer> {
    const destination = getAssociatedTokenAddressSync(this.usdcMint, destinationOwner, true);
    const { blockhash, lastValidBlockHeight } = await this.connection.getLatestBlockhash('confirmed');
    const tx = new Transaction({ feePayer: this.owner, blockhash, lastValidBlockHeight }).add(
      createAssociatedTokenAccountIdempotentInstruction(this.owner, destination, destinationOwner, this.usdcMint),
      createTransferCheckedInstruction(this.account, this.usdcMint, destination, this.owner, baseUnits, USDC_DECIMALS),
    );
    tx.sign(this.wallet);
    return { signature: bs58.encode(tx.signature!), blob: tx.serialize().toString('base64'), lastValidBlockHeight };
  }

  async submit(blob: string): Promise<void> {
    await this.connection.sendRawTransaction(Buffer.from(blob, 'base64'), { skipPreflight: false, maxRetries: 0 });
  }

  async status(signature: string): Promise<TransferStatus> {
    const { value } = await this.connection.getSignatureStatuses([signature], { searchTransactionHistory: true });
    const s = value[0];
    if (!s) return 'unknown';
    if (s.err) return 'failed';
    return s.confirmationStatus === 'confirmed' || s.confirmationStatus === 'finalized' ? 'confirmed' : 'unknown';
  }

  blockHeight(): Promise<number> {
    return this.connection.getBlockHeight('confirmed');
  }
}

/** `12.34` USDC → base units; refuses more than 6 decimals or anything not a plain number. */
export function parseUsdc(text: string): bigint {
  if (!/^\d{1,12}(\.\d{1,6})?$/.test(text)) throw new Error(`not a USDC amount: ${text.slice(0, 30)}`);
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
}

export function formatUsdc(baseUnits: bigint): string {
  const whole = baseUnits / 1_000_000n;
  const frac = (baseUnits % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}
