/**
 * The slot clock: a new slot every `slotMs` (400 ms, as on mainnet). Ticks that a busy event
 * loop delays are caught up (bounded), so slots keep pace with wall time.
 */
import type { Bank } from './bank/bank';

/** At most this many missed slots are produced in one catch-up. */
const MAX_CATCH_UP = 25;

export class SlotClock {
  private timer: NodeJS.Timeout | null = null;
  private next = 0;

  constructor(
    private readonly bank: Bank,
    readonly slotMs: number,
  ) {
    if (!Number.isFinite(slotMs) || slotMs < 10) throw new Error(`slotMs must be at least 10 (got ${slotMs})`);
  }

  start(): void {
    if (this.timer) return;
    this.next = performance.now() + this.slotMs;
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.next - performance.now()));
  }

  private tick(): void {
    const now = performance.now();
    let produced = 0;
    while (this.next <= now && produced < MAX_CATCH_UP) {
      this.bank.advanceSlot();
      this.next += this.slotMs;
      produced++;
    }
    if (this.next <= now) this.next = now + this.slotMs; // too far behind: skip ahead
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
