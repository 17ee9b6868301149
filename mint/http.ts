/**
 * The mint's HTTP face: the Cashu NUT endpoints (v1) on a hono app. Every error is a Cashu
 * error body `{detail, code}` (400, or 404 for unknown ids); a body that is not JSON is one too.
 */
import { Hono, type Context } from 'hono';
import type { Logger } from '../service-kit/log';
import type { Metrics } from '../service-kit/metrics';
import { CODES, MintError } from './errors';
import type { Ledger } from './ledger';
import { METHOD, type Quotes } from './quotes';

export interface MintAppOptions {
  ledger: Ledger;
  quotes: Quotes;
  log: Logger;
  metrics: Metrics;
  name: string;
  /** This mint's public URL (what tokens name in `m`). */
  publicUrl: string;
  pubkey: string;
}

const MAX_BODY = 512 * 1024;

export function mintApp(opts: MintAppOptions): Hono {
  const { ledger, quotes, log, metrics } = opts;
  const app = new Hono();
  const ops = metrics.counter('mint_operations_total', 'Mint operations by kind and outcome');
  const amounts = metrics.counter('mint_credits_total', 'Credits moved by kind (minted, swapped, melted)');

  const body = async (c: Context): Promise<unknown> => {
    const len = Number(c.req.header('content-length') ?? 0);
    if (len > MAX_BODY) throw new MintError(CODES.badRequest, `body larger than ${MAX_BODY} bytes`);
    const text = await c.req.text();
    if (text.length > MAX_BODY) throw new MintError(CODES.badRequest, `body larger than ${MAX_BODY} bytes`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new MintError(CODES.badRequest, 'body must be JSON');
    }
  };

  const handle =
    (kind: string, fn: (c: Context) => unknown | Promise<unknown>) =>
    async (c: Context) => {
      try {
        const out = await fn(c);
        ops.inc({ kind, outcome: 'ok' });
        return c.json(out as object);
      } catch (err) {
        if (err instanceof MintError) {
          ops.inc({ kind, outcome: 'refused' });
          log.info(`${kind}.refused`, { code: err.code, detail: err.message });
          return c.json(err.toJSON(), err.status as 400);
        }
        ops.inc({ kind, outcome: 'error' });
        log.error(`${kind}.failed`, { error: err instanceof Error ? err.message : String(err) });
        return c.json({ detail: 'internal error', code: 0 }, 500);
      }
    };

  app.get(
    '/v1/info',
    handle('info', () => ({
      name: opts.name,
      pubkey: opts.pubkey,
      version: 'peer-cycles-mint/0.1.0',
      description: 'Peer Cycles ecash credits: 1 credit = $0.01, backed by USDC on Solana',
      contact: [],
      nuts: {
        '4': { methods: [{ method: METHOD, unit: 'credit', min_amount: 1, max_amount: ledger.maxQuoteAmount }], disabled: false },
        '5': { methods: [{ method: METHOD, unit: 'credit', min_amount: 1, max_amount: ledger.maxQuoteAmount }], disabled: false },
        '7': { supported: true },
        '8': { supported: false },
        '9': { supported: true },
        '12': { supported: true },
      },
    })),
  );
  app.get('/v1/keys', handle('keys', () => ({ keysets: ledger.publicKeys() })));
  app.get('/v1/keys/:id', handle('keys', (c) => ({ keysets: ledger.publicKeys(c.req.param('id')) })));
  app.get('/v1/keysets', handle('keysets', () => ({ keysets: ledger.keysetInfos() })));

  app.post(
    '/v1/swap',
    handle('swap', async (c) => {
      const b = (await body(c)) as { inputs?: unknown; outputs?: unknown };
      const signatures = ledger.swap(b?.inputs, b?.outputs);
      const total = signatures.reduce((s, x) => s + x.amount, 0);
      amounts.inc({ kind: 'swapped' }, total);
      log.info('swap', { inputs: Array.isArray(b?.inputs) ? b.inputs.length : 0, outputs: signatures.length, credits: total });
      return { signatures };
    }),
  );
  app.post(
    '/v1/checkstate',
    handle('checkstate', async (c) => {
      const b = (await body(c)) as { Ys?: unknown };
      return { states: ledger.checkState(b?.Ys) };
    }),
  );
  app.post(
    '/v1/restore',
    handle('restore', async (c) => {
      const b = (await body(c)) as { outputs?: unknown };
      const r = ledger.restore(b?.outputs);
      return { outputs: r.outputs, signatures: r.signatures, promises: r.signatures };
    }),
  );

  const methodGuard = (c: Context): void => {
    if (c.req.param('method') !== METHOD) throw new MintError(CODES.unitUnsupported, `payment method ${String(c.req.param('method')).slice(0, 20)} is not supported (use ${METHOD})`);
  };
  app.post(
    '/v1/mint/quote/:method',
    handle('mint_quote', async (c) => {
      methodGuard(c);
      const q = quotes.createMintQuote(await body(c));
      log.info('mint_quote.created', { quote: q.quote, credits: q.amount });
      return q;
    }),
  );
  app.get(
    '/v1/mint/quote/:method/:id',
    handle('mint_quote', async (c) => {
      methodGuard(c);
      return quotes.refreshMintQuote(c.req.param('id'));
    }),
  );
  app.post(
    '/v1/mint/:method',
    handle('mint', async (c) => {
      methodGuard(c);
      const signatures = await quotes.mint(await body(c));
      const total = signatures.reduce((s, x) => s + x.amount, 0);
      amounts.inc({ kind: 'minted' }, total);
      log.info('mint', { outputs: signatures.length, credits: total });
      return { signatures };
    }),
  );
  app.post(
    '/v1/melt/quote/:method',
    handle('melt_quote', async (c) => {
      methodGuard(c);
      const q = quotes.createMeltQuote(await body(c));
      log.info('melt_quote.created', { quote: q.quote, credits: q.amount });
      return q;
    }),
  );
  app.get(
    '/v1/melt/quote/:method/:id',
    handle('melt_quote', async (c) => {
      methodGuard(c);
      return quotes.getMeltQuote(c.req.param('id'));
    }),
  );
  app.post(
    '/v1/melt/:method',
    handle('melt', async (c) => {
      methodGuard(c);
      const q = await quotes.melt(await body(c));
      if (q.state === 'PAID') amounts.inc({ kind: 'melted' }, q.amount);
      log.info('melt', { quote: q.quote, credits: q.amount, state: q.state });
      return q;
    }),
  );
  return app;
}
