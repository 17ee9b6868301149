import {
  address,
  appendTransactionMessageInstruction,
  createTransactionMessage,
  generateKeyPairSigner,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import { Keypair, PublicKey } from '@solana/web3.js';
import { FailedTransactionMetadata, LiteSVM, TransactionMetadata } from 'litesvm';

/** A litesvm instance with one program deployed from `.so` bytes. */
export class OneProgram {
  readonly svm = new LiteSVM();
  readonly programId: PublicKey = Keypair.generate().publicKey;

  constructor(so: Uint8Array) {
    this.svm.addProgram(address(this.programId.toBase58()), so);
  }

  /** Sends one instruction (no accounts) to the program from a fresh funded payer. */
  async call(data: Uint8Array): Promise<TransactionMetadata | FailedTransactionMetadata> {
    const payer = await generateKeyPairSigner();
    this.svm.airdrop(payer.address, lamports(1_000_000_000n));
    const ix = { programAddress: address(this.programId.toBase58()), accounts: [], data };
    const tx = await pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(payer, m),
      (m) => this.svm.setTransactionMessageLifetimeUsingLatestBlockhash(m),
      (m) => appendTransactionMessageInstruction(ix, m),
      (m) => signTransactionMessageWithSigners(m),
    );
    return this.svm.sendTransaction(tx);
  }
}
