/** The gateway's pure parts: request parsing, the stop filter, the ledger's hold arithmetic, worker slots. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../gateway/errors';
import { InsufficientCredits, Ledger } from '../../gateway/ledger';
import { parseChatRequest, StopFilter } from '../../gateway/openai';
import { WorkerDirectory } from '../../gateway/market/directory';
import type { Account } from '../../sdk/src/accounts/fetch';
import type { Worker } from '../../sdk/src/accounts/market';
import type { PeerContext } from '../../sdk/src/context';
import { createLogger } from '../../service-kit/log';
import { Keypair } from '@solana/web3.js';

const defaults = { tier: 'open' as const, maxTokens: 64 };

describe('gateway units', () => {
  it('parses the usual OpenAI fields and the Peer Cycles ones', () => {
    const r = parseChatRequest(
      {
        model: 'm',
        messages: [{ role: 'developer', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }],
        max_completion_tokens: 9,
        seed: 42,
        stop: 'END',
        stream: true,
        stream_options: { include_usage: true },
        peer_tier: 'verified',
        peer_max_price: 7,
        peer_worker: '11111111111111111111111111111111',
      },
      defaults,
    );
    assert.deepEqual(r.messages, [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'ab' }]);
    assert.equal(r.maxTokens, 9);
    assert.equal(r.seed, 42n);
    assert.deepEqual(r.stop, ['END']);
    assert.equal(r.includeUsage, true);
    assert.equal(r.tier, 'verified');
    assert.equal(r.maxPrice, 7n);
    assert.equal(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, defaults).maxTokens, 64);
  });

  it('refuses each bad field with a 400 naming it', () => {
    const bad: [unknown, string | null][] = [
      [null, null],
      [[], null],
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 'm', messages: 'hi' }, 'messages'],
      [{ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
      [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }, 'messages[0].content'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 1.5 }, 'max_tokens'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 5, max_completion_tokens: 5 }, 'max_tokens'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], seed: -1 }, 'seed'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], top_p: 1.5 }, 'top_p'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }, 'stream_options'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{}] }, 'tools'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }], user: 7 }, 'user'],
    ];
    for (const [body, param] of bad) {
      assert.throws(
        () => parseChatRequest(body, defaults),
        (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === param && e.body().error.type === 'invalid_request_error',
        JSON.stringify(body),
      );
    }
  });

  it('the stop filter cuts at the first stop sequence, even split across pieces, and holds back only a possible prefix', () => {
    const f = new StopFilter(['END', '\n\n']);
    const out = ['Hello wo', 'rld E', 'N', 'D more'].map((p) => f.push(p)).join('') + f.flush();
    assert.equal(out, 'Hello world ');
    assert.equal(f.stopped, true);
    const g = new StopFilter(['zz']);
    assert.equal(['ab', 'cz', 'd'].map((p) => g.push(p)).join('') + g.flush(), 'abczd');
    assert.equal(g.stopped, false);
  });

  it('ledger: a hold debits, settles once at the charged price, and refuses to overdraw', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-ledger-'));
    const ledger = new Ledger(join(dir, 'l.db'));
    try {
      const { accountId } = ledger.createKeyAccount('t');
      assert.equal(ledger.grant(accountId, 10n, 'g'), true);
      assert.equal(ledger.grant(accountId, 10n, 'g'), false, 'a grant marker is used once');
      ledger.hold({ job: 'J1', accountId, amount: 4n, nonce: 0n, tier: 'open', worker: null });
      assert.equal(ledger.account(accountId)!.balance, 6n);
      assert.throws(() => ledger.hold({ job: 'J2', accountId, amount: 7n, nonce: 1n, tier: 'open', worker: null }), InsufficientCredits);
      assert.equal(ledger.getHold('J2'), null, 'nothing held on a refusal');
      assert.equal(ledger.settleHold('J1', 3n), true);
      assert.equal(ledger.settleHold('J1', 3n), false, 'settling twice changes nothing');
      assert.equal(ledger.account(accountId)!.balance, 7n);
      assert.deepEqual(ledger.liabilities(), { balances: 7n, held: 0n });
      assert.equal(ledger.settleHold('nope', 1n), false, 'no such hold');
      ledger.hold({ job: 'J3', accountId, amount: 2n, nonce: 2n, tier: 'open', worker: null });
      assert.throws(() => ledger.settleHold('J3', 3n), /outside the hold/);
      assert.equal(ledger.getHold('J3')!.state, 'posting', 'a bad charge changes nothing');

      // An answer the client never received (request failed or the gateway died) that a worker
      // finished anyway: the chain charged the gateway, the client gets its whole hold back.
      ledger.markHold('J3', 'abandoned');
      assert.equal(ledger.account(accountId)!.balance, 5n);
      assert.equal(ledger.settleHold('J3', 2n), true);
      assert.equal(ledger.account(accountId)!.balance, 7n);
      assert.equal(ledger.getHold('J3')!.state, 'released');
      assert.equal(ledger.absorbedTotal(), 2n);
      assert.equal(ledger.chargedTotal(), 3n, 'only J1 was charged to a client');
    } finally {
      ledger.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('worker slots: taken up to capacity, and a slot released twice gives back one slot, not another request\'s', () => {
    const directory = new WorkerDirectory({} as PeerContext, createLogger({ service: 'test', write: () => undefined }), []);
    const worker = { address: Keypair.generate().publicKey, data: { settings: { capacity: 2 } } } as unknown as Account<Worker>;
    const a = directory.tryAcquire(worker)!;
    const b = directory.tryAcquire(worker)!;
    assert.ok(a && b);
    assert.equal(directory.tryAcquire(worker), null, 'at capacity');
    assert.equal(directory.inflightOf(worker.address), 2);
    a.release();
    a.release();
    assert.equal(a.held, false);
    assert.equal(b.held, true);
    assert.equal(directory.inflightOf(worker.address), 1, 'the second release of the same slot changed nothing');
    const c = directory.tryAcquire(worker)!;
    assert.ok(c);
    b.release();
    c.release();
    assert.equal(directory.inflightTotal(), 0);
  });
});
