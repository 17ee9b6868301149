/**
 * Service configuration: one schema per service, read from a YAML file, `PEER_<SERVICE>_*`
 * environment variables and command-line flags (flags win over env, env over the file, the
 * file over defaults). Every value is validated once, at start; a bad one becomes a
 * ConfigError whose one-line message names the key and where the value came from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** A bad configuration value: the message is one line, ready to print after `error: `. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Field =
  | { type: 'string'; default?: string; required?: boolean; secret?: boolean; doc: string }
  | { type: 'int' | 'number'; default?: number; min?: number; max?: number; doc: string }
  | { type: 'bool'; default?: boolean; doc: string }
  | { type: 'url'; default?: string; required?: boolean; doc: string }
  | { type: 'enum'; values: readonly string[]; default?: string; doc: string }
  | { type: 'list'; default?: string[]; doc: string };

/** Keys may be dotted ('matcher.interval_ms'); YAML sections flatten to them. */
export type Schema = Record<string, Field>;

type ValueOf<F extends Field> = F extends { type: 'int' | 'number' }
  ? number
  : F extends { type: 'bool' }
    ? boolean
    : F extends { type: 'list' }
      ? string[]
      : F extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : string;

type Present<F extends Field> = F extends { default: unknown } ? true : F extends { required: true } ? true : false;

/** The loaded configuration: fields with a default or `required` are always present. */
export type ConfigOf<S extends Schema> = {
  [K in keyof S as Present<S[K]> extends true ? K : never]: ValueOf<S[K]>;
} & {
  [K in keyof S as Present<S[K]> extends true ? never : K]?: ValueOf<S[K]>;
};

export interface LoadConfigOptions<S extends Schema> {
  /** 'worker': used in messages and in the env prefix PEER_WORKER_. */
  service: string;
  schema: S;
  /** A YAML file; a missing or unreadable file is an error. */
  file?: string;
  /** Dotted keys; undefined values are ignored. */
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

/** `matcher.interval_ms` of service `keepers` → `PEER_KEEPERS_MATCHER_INTERVAL_MS`. */
export function envName(service: string, key: string): string {
  return `PEER_${service}_${key}`.replace(/[.-]/g, '_').toUpperCase();
}

function flatten(value: unknown, prefix: string, out: Record<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else {
    out[prefix] = value;
  }
}

function readFile(service: string, file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new ConfigError(`${service}: config file ${file} does not exist`);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(`${service}: config file ${file} is not valid YAML: ${why}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`${service}: config file ${file} must be a YAML mapping of keys to values`);
  }
  const out: Record<string, unknown> = {};
  flatten(doc, '', out);
  return out;
}

function show(raw: unknown, secret: boolean): string {
  if (secret) return '[redacted]';
  const text = typeof raw === 'string' ? JSON.stringify(raw) : JSON.stringify(raw) ?? String(raw);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Parses one raw value (a string from env/flags, or any YAML scalar) for its field. */
function coerce(field: Field, raw: unknown, where: string, key: string): unknown {
  const secret = field.type === 'string' && field.secret === true;
  const bad = (want: string): ConfigError =>
    new ConfigError(`${key} (${where}) must be ${want}, got ${show(raw, secret)}`);
  switch (field.type) {
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') throw bad('a string');
      return String(raw);
    }
    case 'url': {
      if (typeof raw !== 'string') throw bad('a URL');
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw bad('a URL such as http://127.0.0.1:8899');
      }
      if (!/^(https?|wss?):$/.test(url.protocol)) throw bad('an http(s) or ws(s) URL');
      return raw;
    }
    case 'int':
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw bad(field.type === 'int' ? 'a whole number' : 'a number');
      if (field.type === 'int' && !Number.isInteger(n)) throw bad('a whole number');
      if (field.min !== undefined && n < field.min) throw bad(`at least ${field.min}`);
      if (field.max !== undefined && n > field.max) throw bad(`at most ${field.max}`);
      return n;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|1|yes|on)$/i.test(raw)) return true;
      if (typeof raw === 'string' && /^(false|0|no|off)$/i.test(raw)) return false;
      throw bad('true or false');
    }
    case 'enum': {
      if (typeof raw !== 'string' || !field.values.includes(raw)) throw bad(`one of ${field.values.join('|')}`);
      return raw;
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
      if (!items || items.some((i) => typeof i !== 'string' && typeof i !== 'number')) {
        throw bad('a list (comma-separated in env and flags)');
      }
      return items.map((i) => String(i).trim()).filter((i) => i.length > 0);
    }
  }
}

/** Loads and validates a service's configuration; throws ConfigError on the first bad value. */
export function loadConfig<S extends Schema>(opts: LoadConfigOptions<S>): ConfigOf<S> {
  const { service, schema } = opts;
  const env = opts.env ?? {};
  const fromFile = opts.file ? readFile(service, opts.file) : {};
  for (const key of Object.keys(fromFile)) {
    if (!(key in schema)) {
      const known = Object.keys(schema).join(', ');
      throw new ConfigError(`${service}: unknown key ${key} in ${opts.file} (known: ${known})`);
    }
  }
  for (const key of Object.keys(opts.flags ?? {})) {
    if (!(key in schema)) throw new ConfigError(`${service}: unknown setting ${key}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) {
    const flag = opts.flags?.[key];
    const envKey = envName(service, key);
    let value: unknown;
    if (flag !== undefined) value = coerce(field, flag, 'flag', key);
    else if (env[envKey] !== undefined && env[envKey] !== '') value = coerce(field, env[envKey], `env ${envKey}`, key);
    else if (fromFile[key] !== undefined && fromFile[key] !== null) value = coerce(field, fromFile[key], opts.file ?? 'file', key);
    else if (field.default !== undefined) value = field.default;
    else if ('required' in field && field.required) {
      throw new ConfigError(`${service}: ${key} is required (set it in the config file, ${envKey} or a flag)`);
    }
    if (value !== undefined) out[key] = value;
  }
  return out as ConfigOf<S>;
}

/** Names of the schema's secret fields, with their values, for a logger's redaction list. */
export function secretValues<S extends Schema>(schema: S, config: ConfigOf<S>): string[] {
  const values: string[] = [];
  for (const [key, field] of Object.entries(schema)) {
    const v = (config as Record<string, unknown>)[key];
    if (field.type === 'string' && field.secret && typeof v === 'string' && v.length > 0) values.push(v);
  }
  return values;
}
