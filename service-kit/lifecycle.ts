/**
 * The process side of a service: start it, stop it cleanly on SIGINT/SIGTERM (a second signal
 * exits at once with 1), and turn a configuration error into `error: <one line>` and exit 2.
 */
import { ConfigError } from './config';
import { PortInUseError } from './http';

export interface Running {
  stop(): Promise<void>;
}

export interface RunServiceOptions {
  /** Where the one-line error goes (stderr by default). */
  writeError?: (line: string) => void;
  /** Default: process.exit. */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

/** The message to show for a start-up failure: one line, never a stack. */
export function startupMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0];
}

export function runService(name: string, start: () => Promise<Running>, opts: RunServiceOptions = {}): void {
  const writeError = opts.writeError ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const signals = opts.signals ?? ['SIGINT', 'SIGTERM'];
  let running: Running | undefined;
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      writeError(`${name}: ${signal} again, exiting now`);
      exit(1);
      return;
    }
    stopping = true;
    writeError(`${name}: ${signal}, stopping`);
    const done = running ? running.stop() : Promise.resolve();
    done.then(
      () => exit(0),
      (err: unknown) => {
        writeError(`error: ${name}: stop failed: ${startupMessage(err)}`);
        exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, onSignal);

  start().then(
    (r) => {
      running = r;
    },
    (err: unknown) => {
      for (const s of signals) process.off(s, onSignal);
      writeError(`error: ${startupMessage(err)}`);
      exit(err instanceof ConfigError || err instanceof PortInUseError ? 2 : 1);
    },
  );
}
