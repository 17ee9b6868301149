/**
 * The signer a context acts as: anything that can sign a VersionedTransaction (a Keypair, a
 * browser wallet adapter, a hardware signer). It also pays the fees.
 */
import { Keypair, type PublicKey, type VersionedTransaction } from '@solana/web3.js';
import bs58 from 'bs58';
import { ValidationError } from './errors';

/**
 * A keypair file's text → the keypair: solana-keygen's JSON array of 64 bytes, or the same 64
 * bytes in base58. One ValidationError for anything else, and for a file whose public half is
 * not its secret half's. Reading the file, and how an error is worded for its setting, is the
 * caller's (services, the CLI, the deploy script, a browser tab's key import).
 */
export function keypairFromText(text: string): Keypair {
  const t = text.trim();
  let bytes: unknown;
  try {
    bytes = t.startsWith('[') ? JSON.parse(t) : [...bs58.decode(t)];
  } catch {
    bytes = null;
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new ValidationError('not a keypair file: expected a JSON array of 64 numbers from 0 to 255');
  }
  try {
    return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
  } catch {
    throw new ValidationError('the keypair file is inconsistent: its public half does not match its secret half');
  }
}

export interface Wallet {
  publicKey: PublicKey;
  signTransaction<T extends VersionedTransaction>(tx: T): Promise<T>;
}

/** A Wallet backed by a Keypair (the CLI's `-k` file). Exposes the keypair for key derivation. */
export class KeypairWallet implements Wallet {
  readonly payer: Keypair;

  constructor(payer: Keypair) {
    this.payer = payer;
  }

  get publicKey(): PublicKey {
    return this.payer.publicKey;
  }

  async signTransaction<T extends VersionedTransaction>(tx: T): Promise<T> {
    tx.sign([this.payer]);
    return tx;
  }
}

export function isKeypairWallet(w: Wallet): w is KeypairWallet {
  return w instanceof KeypairWallet || (w as Partial<KeypairWallet>).payer instanceof Keypair;
}
