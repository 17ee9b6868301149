/**
 * The signer a context acts as: anything that can sign a VersionedTransaction (a Keypair, a
 * browser wallet adapter, a hardware signer). It also pays the fees.
 */
import { Keypair, type PublicKey, type VersionedTransaction } from '@solana/web3.js';

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
