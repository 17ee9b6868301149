/**
 * One line per action. Text lines read `<iso time> <service> <LEVEL> <action> k=v …`; JSON lines
 * carry the same fields. Secret-looking fields and every registered secret string are replaced
 * by [redacted] before a line is written, so a key can never reach a log by accident.
 */
export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(action: string, fields?: LogFields): void;
  warn(action: string, fields?: LogFields): void;
  error(action: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` too. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  format?: 'text' | 'json';
  /** Literal strings (API keys, secret keys in base58) scrubbed from every line. */
  secrets?: string[];
  /** Where lines go; stderr by default so stdout stays for a command's output. */
  write?: (line: string) => void;
  /** Fixed clock for tests. */
  now?: () => Date;
}

const SECRET_FIELD = /(^|_|-)(api_?key|apikey|secret|secret_?key|private_?key|token|keypair|password|authorization|mnemonic)$/i;

export const REDACTED = '[redacted]';

function render(value: unknown): string {
  if (value instanceof Error) return value.message.split('\n')[0];
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && 'toBase58' in value && typeof value.toBase58 === 'function') {
    return (value as { toBase58(): string }).toBase58();
  }
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

function plain(value: unknown): unknown {
  if (value instanceof Error) return value.message.split('\n')[0];
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && 'toBase58' in value && typeof value.toBase58 === 'function') {
    return (value as { toBase58(): string }).toBase58();
  }
  return value;
}

export function createLogger(opts: LoggerOptions, bound: LogFields = {}): Logger {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = opts.now ?? (() => new Date());
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 4);
  const scrub = (line: string): string => secrets.reduce((l, s) => l.split(s).join(REDACTED), line);

  const emit = (level: LogLevel, action: string, fields: LogFields = {}): void => {
    const all: LogFields = { ...bound, ...fields };
    for (const key of Object.keys(all)) if (SECRET_FIELD.test(key)) all[key] = REDACTED;
    let line: string;
    if (opts.format === 'json') {
      const obj: LogFields = { time: now().toISOString(), service: opts.service, level, action };
      for (const [k, v] of Object.entries(all)) if (v !== undefined) obj[k] = plain(v);
      line = JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    } else {
      const parts = [now().toISOString(), opts.service, level.toUpperCase(), action];
      for (const [k, v] of Object.entries(all)) if (v !== undefined) parts.push(`${k}=${render(v)}`);
      line = parts.join(' ');
    }
    write(scrub(line.replace(/\n/g, '\\n')));
  };
  return {
    info: (a, f) => emit('info', a, f),
    warn: (a, f) => emit('warn', a, f),
    error: (a, f) => emit('error', a, f),
    child: (fields) => createLogger(opts, { ...bound, ...fields }),
  };
}
