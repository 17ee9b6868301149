/** A simple FIFO lock: one generation at a time per model (native engine and browser tab alike). */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** Callers waiting for the lock. */
  get queued(): number {
    return this.waiting;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.waiting++;
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    this.waiting--;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
