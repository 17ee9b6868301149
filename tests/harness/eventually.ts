/**
 * Polls `check` until it holds, or fails naming `what` after `ms`. For conditions other
 * processes make true (a job lands, a hold settles): a deadline, never a fixed sleep.
 */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, ms = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
