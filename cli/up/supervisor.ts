/**
 * `peer up`'s process supervisor: every part of the network runs as its own child process,
 * started in order, watched, restarted when it crashes (the crash is shown), and stopped in
 * reverse order on Ctrl-C. Each child's output goes to its own log file; the terminal gets
 * the supervisor's lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface ChildSpec {
  /** Short name shown in the terminal: 'localnet', 'worker-honest', 'gateway'. */
  name: string;
  /** Arguments to node (a script and its flags). */
  args: string[];
  /** Arguments for a restart after a crash, when they differ (e.g. no `--reset` of a ledger). */
  restartArgs?: string[];
  env?: NodeJS.ProcessEnv;
  cwd: string;
  /** Ports the child will listen on, checked before it starts. */
  ports: number[];
  /** A URL answering 200 once the child is ready (its /health). */
  readyUrl?: string;
  /** Or a line the child prints once ready. */
  readyLine?: RegExp;
  /** How long to wait for readiness (model loads and deployments take a while). */
  readyTimeoutMs?: number;
}

export interface SupervisorOptions {
  logDir: string;
  say: (line: string) => void;
  /** Restarts after which a crashing child is given up (default 5). */
  maxRestarts?: number;
}

/** A port someone else holds, named with the part that needs it. */
export class PortBusyError extends Error {
  constructor(name: string, port: number) {
    super(`port ${port} (needed by ${name}) is already in use: stop what listens there, or pass --base-port to move the whole network`);
    this.name = 'PortBusyError';
  }
}

export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The kernel's ephemeral port range (what `port: 0` listeners and outgoing sockets draw from). */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi)) return [lo, hi];
  } catch {
    // not Linux: assume the IANA range
  }
  return [49_152, 65_535];
}

/**
 * A block of `span` free ports for a second network on this machine (tests, benches), chosen
 * below the ephemeral range: a port that other processes' `port: 0` listeners or outgoing
 * connections can take between this check and the network's start would be lost to them.
 */
export async function freePortBlock(span: number): Promise<number> {
  const [ephemeralLo] = ephemeralRange();
  const lo = 10_000;
  const hi = Math.max(lo + span + 1, ephemeralLo - span);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = lo + Math.floor(Math.random() * (hi - lo));
    let free = true;
    for (let p = base; p < base + span && free; p++) free = await portIsFree(p);
    if (free) return base;
  }
  throw new Error(`no block of ${span} free ports between ${lo} and ${hi + span}`);
}

interface Managed {
  spec: ChildSpec;
  child?: ChildProcess;
  log: WriteStream;
  restarts: number;
  stopping: boolean;
  exited?: Promise<void>;
}

export class Supervisor {
  private readonly children = new Map<string, Managed>();
  private stopping = false;
  /** Crashes seen, for the summary and the tests. */
  readonly crashes: { name: string; code: number | null; signal: string | null; at: Date }[] = [];

  constructor(private readonly opts: SupervisorOptions) {
    mkdirSync(opts.logDir, { recursive: true });
  }

  logPath(name: string): string {
    return join(this.opts.logDir, `${name}.log`);
  }

  pid(name: string): number | undefined {
    return this.children.get(name)?.child?.pid;
  }

  /** Names of the children, in start order. */
  names(): string[] {
    return [...this.children.keys()];
  }

  /** Pids of the children alive now (for memory sampling). */
  livePids(): number[] {
    const out: number[] = [];
    for (const m of this.children.values()) {
      const c = m.child;
      if (c?.pid !== undefined && c.exitCode === null && c.signalCode === null) out.push(c.pid);
    }
    return out;
  }

  /** Waits until a restarted child is ready again (the fault drill's bounded wait). */
  async waitBack(name: string, previousPid: number | undefined, timeoutMs = 300_000): Promise<void> {
    const m = this.children.get(name);
    if (!m) throw new Error(`no child named ${name}`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const c = m.child;
      if (c && c.pid !== previousPid && c.exitCode === null && c.signalCode === null) {
        await this.waitReady(m);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} did not come back within ${Math.round(timeoutMs / 1000)} s`);
  }

  /** Starts a child and waits until it is ready; throws with the tail of its log if it is not. */
  async start(spec: ChildSpec): Promise<void> {
    for (const port of spec.ports) if (!(await portIsFree(port))) throw new PortBusyError(spec.name, port);
    const m: Managed = { spec, log: createWriteStream(this.logPath(spec.name), { flags: 'a' }), restarts: 0, stopping: false };
    this.children.set(spec.name, m);
    this.spawnChild(m);
    await this.waitReady(m);
  }

  private spawnChild(m: Managed): void {
    const args = m.restarts > 0 && m.spec.restartArgs ? m.spec.restartArgs : m.spec.args;
    const child = spawn(process.execPath, args, {
      cwd: m.spec.cwd,
      env: { ...process.env, ...m.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    m.child = child;
    child.stdout!.pipe(m.log, { end: false });
    child.stderr!.pipe(m.log, { end: false });
    m.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        if (m.stopping || this.stopping) return;
        this.crashes.push({ name: m.spec.name, code, signal, at: new Date() });
        const max = this.opts.maxRestarts ?? 5;
        if (m.restarts >= max) {
          this.opts.say(`✗ ${m.spec.name} exited (${signal ?? `code ${code}`}) ${m.restarts} times; giving up — see ${this.logPath(m.spec.name)}`);
          return;
        }
        m.restarts += 1;
        const delay = Math.min(8_000, 500 * 2 ** (m.restarts - 1));
        this.opts.say(`✗ ${m.spec.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms (restart ${m.restarts}/${max}) — log ${this.logPath(m.spec.name)}`);
        setTimeout(() => {
          if (this.stopping || m.stopping) return;
          this.spawnChild(m);
          this.waitReady(m).then(
            () => this.opts.say(`✓ ${m.spec.name} is back (pid ${m.child?.pid})`),
            (err: unknown) => this.opts.say(`✗ ${m.spec.name} did not come back: ${err instanceof Error ? err.message : String(err)}`),
          );
        }, delay).unref();
      });
    });
  }

  private async waitReady(m: Managed): Promise<void> {
    const timeout = m.spec.readyTimeoutMs ?? 120_000;
    const deadline = Date.now() + timeout;
    const child = m.child!;
    let seen = '';
    const onData = (d: Buffer): void => {
      seen = (seen + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    try {
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${m.spec.name} exited before it was ready: ${lastLines(seen)}`);
        }
        if (m.spec.readyLine && m.spec.readyLine.test(seen)) return;
        if (m.spec.readyUrl) {
          try {
            const r = await fetch(m.spec.readyUrl, { signal: AbortSignal.timeout(2_000) });
            if (r.status === 200) return;
          } catch {
            // not listening yet
          }
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${m.spec.name} was not ready after ${Math.round(timeout / 1000)} s: ${lastLines(seen)}`);
    } finally {
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
    }
  }

  /** Kills a child with SIGKILL (the fault drill); the supervisor restarts it like any crash. */
  kill9(name: string): void {
    this.children.get(name)?.child?.kill('SIGKILL');
  }

  /** Stops every child in reverse start order: SIGTERM, then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const m of [...this.children.values()].reverse()) {
      m.stopping = true;
      const child = m.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await m.exited;
      clearTimeout(timer);
      this.opts.say(`stopped ${m.spec.name}${child.exitCode === 0 ? '' : ` (${child.signalCode ?? `code ${child.exitCode}`})`}`);
    }
    for (const m of this.children.values()) m.log.end();
  }
}

function lastLines(text: string, n = 4): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  return lines.length === 0 ? '(no output)' : lines.slice(-n).join(' | ');
}
