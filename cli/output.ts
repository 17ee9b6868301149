/** Rendering a command's output: `--output json` / `json-compact` (the stable shape) or aligned text. */

export function renderJson(value: unknown, compact = false): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), compact ? undefined : 2)}\n`;
}

function label(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/^./, (c) => c.toUpperCase())
    .replace(/\bSecs\b/, '(s)')
    .replace(/\bUsdc\b/, 'USDC')
    .replace(/\bUsd\b/, 'USD');
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.length ? v.map(scalar).join(', ') : '-';
  return String(v);
}

function lines(value: Record<string, unknown>, indent: string, out: string[]): void {
  const entries = Object.entries(value).filter(([, v]) => !(v === null && indent === ''));
  const width = Math.max(0, ...entries.map(([k]) => label(k).length));
  for (const [k, v] of entries) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      out.push(`${indent}${label(k)}:`);
      lines(v as Record<string, unknown>, `${indent}  `, out);
    } else if (Array.isArray(v) && v.some((x) => x && typeof x === 'object')) {
      out.push(`${indent}${label(k)}:`);
      for (const item of v) lines(item as Record<string, unknown>, `${indent}  `, out);
    } else {
      out.push(`${indent}${`${label(k)}:`.padEnd(width + 2)}${scalar(v)}`);
    }
  }
}

export function renderText(value: unknown): string {
  if (value === null || typeof value !== 'object') return `${scalar(value)}\n`;
  const out: string[] = [];
  const v = { ...(value as Record<string, unknown>) };
  // Simulation logs read better last and one per line.
  const tx = v.tx as Record<string, unknown> | undefined;
  const logs = (tx?.logs as string[] | null | undefined) ?? null;
  // Inside a transaction, fields that do not apply to the mode (null) are left out.
  for (const key of Object.keys(v)) {
    const t = v[key];
    if (key.endsWith('tx') || key.endsWith('Tx')) {
      if (t && typeof t === 'object') v[key] = Object.fromEntries(Object.entries(t).filter(([k, x]) => x !== null && k !== 'logs'));
    }
  }
  lines(v, '', out);
  if (logs) out.push('Logs:', ...logs.map((l) => `  ${l}`));
  return `${out.join('\n')}\n`;
}
