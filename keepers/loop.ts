/**
 * Runs one bot: `init` (retried while the RPC fails; a SetupError is fatal), then ticks every
 * `intervalMs`, or sooner when `wake()` is called (a WebSocket notification). Ticks never
 * overlap: a wake during a tick schedules exactly one more right after it. The watchdog side:
 * `health()` reports the bot stalled when its last good tick is older than `stallMs` (a tick
 * that hangs, or one that keeps failing).
 */
import type { Logger } from '../service-kit';
import { SetupError, type Bot, type KeeperMetrics } from './bot';

export interface LoopHealth {
  ok: boolean;
  initialized: boolean;
  lastGoodTickAt: string | null;
  lastGoodTickAgeMs: number;
  ticks: number;
  failedTicks: number;
  running: boolean;
  lastError: string | null;
  queues: Record<string, number>;
  details?: Record<string, unknown>;
}

export class BotLoop {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private initialized = false;
  private lastGood: number;
  private ticks = 0;
  private failedTicks = 0;
  private lastError: string | null = null;
  private initFailures = 0;

  constructor(
    readonly bot: Bot,
    private readonly opts: { stallMs: number; log: Logger; metrics: KeeperMetrics; onFatal: (err: Error) => void; initialized?: boolean },
  ) {
    this.lastGood = Date.now();
    this.initialized = opts.initialized ?? false;
  }

  start(): void {
    this.schedule(0);
  }

  /** Tick soon (a notification said something changed). */
  wake(): void {
    if (this.stopped || !this.initialized) return;
    this.opts.metrics.wakeups.inc({ bot: this.bot.name });
    if (this.current) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.runOnce().finally(() => {
        this.current = null;
        if (this.stopped) return;
        const next = this.again ? 0 : this.initialized ? this.bot.intervalMs : Math.min(5_000, 100 * 2 ** Math.min(this.initFailures, 6));
        this.again = false;
        this.schedule(next);
      });
    }, ms);
  }

  private async runOnce(): Promise<void> {
    const name = this.bot.name;
    if (!this.initialized) {
      try {
        await this.bot.init();
        this.initialized = true;
        this.lastGood = Date.now();
        this.opts.log.info('bot.ready', { bot: name });
      } catch (err) {
        this.initFailures++;
        this.lastError = oneLine(err);
        if (err instanceof SetupError) {
          this.stopped = true;
          this.opts.onFatal(err);
          return;
        }
        this.opts.log.warn('bot.init_failed', { bot: name, error: this.lastError, retry: this.initFailures });
      }
      return;
    }
    const started = performance.now();
    try {
      await this.bot.tick();
      this.ticks++;
      this.lastGood = Date.now();
      this.opts.metrics.ticks.inc({ bot: name, result: 'ok' });
    } catch (err) {
      this.failedTicks++;
      this.lastError = oneLine(err);
      this.opts.metrics.ticks.inc({ bot: name, result: 'failed' });
      this.opts.metrics.failures.inc({ bot: name, kind: 'tick' });
      this.opts.log.warn('tick.failed', { bot: name, error: this.lastError });
    } finally {
      this.opts.metrics.tickSeconds.observe((performance.now() - started) / 1000, { bot: name });
      for (const [queue, depth] of Object.entries(this.bot.health().queues)) this.opts.metrics.queueDepth.set(depth, { bot: name, queue });
    }
  }

  health(): LoopHealth {
    const age = Date.now() - this.lastGood;
    this.opts.metrics.lastGoodTickAge.set(age / 1000, { bot: this.bot.name });
    const h = this.bot.health();
    return {
      ok: age <= this.opts.stallMs && !this.stopped,
      initialized: this.initialized,
      lastGoodTickAt: new Date(this.lastGood).toISOString(),
      lastGoodTickAgeMs: age,
      ticks: this.ticks,
      failedTicks: this.failedTicks,
      running: this.current !== null,
      lastError: this.lastError,
      queues: h.queues,
      ...(h.details ? { details: h.details } : {}),
    };
  }

  /** No new ticks; waits for the one in flight (at most `timeoutMs`). True when it finished. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const running = this.current;
    if (!running) return true;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([running.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    return finished;
  }
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
