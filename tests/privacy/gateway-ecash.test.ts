/**
 * The gateway's ecash payment method (gateway/payments/ecash.ts) against a real mint ledger and
 * a real gateway ledger (both SQLite): a token pays a request's price into a one-off account,
 * change comes back, bad and replayed tokens are 400 with the Cashu code, and the 402 names
 * the price, unit and mint.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GatewayError } from '../../gateway/errors';
import { Ledger as GatewayLedger } from '../../gateway/ledger';
import { EcashPayments } from '../../gateway/payments/ecash';
import { Ledger as MintLedger } from '../../mint/ledger';
import { openMintStore } from '../../mint/store';
import { createLogger } from '../../service-kit/log';
import { sumProofs, encodeTokenV4, type Proof } from '../../sdk/src/privacy/token';
import { createOutputs, decodeChangeHeader, decodePaymentRequest, encodeChangeHeader, unblindOutputs } from '../../sdk/src/privacy/wallet';
import type { BlindSignature } from '../../sdk/src/privacy/token';
import { tempDir } from '../localnet/helpers';

describe('privacy: the gateway takes ecash (X-Cashu)', () => {
  const dir = tempDir('peer-gw-ecash');
  let mint: MintLedger;
  let gateway: GatewayLedger;
  let ecash: EcashPayments;
  const lines: string[] = [];

  const issue = (amount: number): Proof[] => {
    const ks = mint.activeKeyset();
    const pending = createOutputs(amount, ks.id);
    return unblindOutputs(pending, mint.signPaid(pending.outputs, amount, `test_${randomBytes(4).toString('hex')}`, () => {}), ks.published);
  };
  const token = (proofs: Proof[]) => encodeTokenV4({ mint: 'http://mint.test', unit: 'credit', proofs });

  before(() => {
    mint = new MintLedger({ store: openMintStore(join(dir.path, 'mint.sqlite')), seed: new Uint8Array(randomBytes(32)) });
    gateway = new GatewayLedger(join(dir.path, 'gateway.sqlite'));
    ecash = new EcashPayments({ mint, mintUrl: 'http://mint.test', ledger: gateway, log: createLogger({ service: 'gateway', write: (l) => lines.push(l) }) });
  });

  after(() => {
    gateway.close();
    mint.store.close();
    dir.remove();
  });

  it('402 asks for the price in credits from this mint', () => {
    const e = ecash.paymentRequired(7n);
    assert.equal(e.status, 402);
    assert.deepEqual(decodePaymentRequest(e.headers['X-Cashu']), { amount: 7, unit: 'credit', mints: ['http://mint.test'] });
  });

  it('pays the exact price into a one-off account; blinded change comes back as signatures', () => {
    const proofs = issue(12);
    const ks = mint.activeKeyset();
    const change = createOutputs(5, ks.id);
    const paid = ecash.pay(token(proofs), encodeChangeHeader(change.outputs), 7n);
    assert.equal(gateway.account(paid.accountId)!.balance, 7n);
    const back = unblindOutputs(change, decodeChangeHeader<BlindSignature>(paid.changeHeader)!, ks.published);
    assert.equal(sumProofs(back), 5);
    // The change is spendable once.
    assert.equal(gateway.account(ecash.pay(token(back), undefined, 5n).accountId)!.balance, 5n);
  });

  it('refuses replayed, short, malformed and foreign tokens with 400 and the Cashu code; nothing is credited', () => {
    const proofs = issue(4);
    ecash.pay(token(proofs), undefined, 4n);
    const liabilities = gateway.liabilities().balances;
    const code = (fn: () => unknown): string | null => {
      try {
        fn();
        return 'paid';
      } catch (err) {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.status, 400);
        return err.code;
      }
    };
    assert.equal(code(() => ecash.pay(token(proofs), undefined, 4n)), 'cashu_11001');
    assert.equal(code(() => ecash.pay(token(issue(2)), undefined, 3n)), 'cashu_11002');
    assert.equal(code(() => ecash.pay('cashuBgarbage', undefined, 1n)), 'cashu_10003');
    assert.equal(code(() => ecash.pay(token([{ ...issue(1)[0], id: '00ffffffffffffff' }]), undefined, 1n)), 'cashu_12001');
    assert.equal(code(() => ecash.pay(token(issue(2)), 'not-base64-json', 1n)), 'cashu_10000');
    assert.equal(gateway.liabilities().balances, liabilities);
    assert.ok(lines.some((l) => l.includes('ecash.refused')));
  });
});
