/**
 * Prometheus text exposition (format 0.0.4) for counters, gauges and histograms with labels.
 * Small on purpose: every service needs the same few shapes, and `/metrics` must never fail.
 */
export type Labels = Record<string, string>;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${keys.map((k) => `${k}="${esc(String(labels[k]))}"`).join(',')}}`;
}

function withLabel(key: string, extra: string): string {
  return key === '' ? `{${extra}}` : `${key.slice(0, -1)},${extra}}`;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
  ) {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
  }
  abstract readonly kind: 'counter' | 'gauge' | 'histogram';
  abstract lines(): string[];
  render(): string {
    return [`# HELP ${this.name} ${this.help.replace(/\n/g, ' ')}`, `# TYPE ${this.name} ${this.kind}`, ...this.lines()].join('\n');
  }
}

export class Counter extends Metric {
  readonly kind = 'counter' as const;
  private readonly values = new Map<string, number>();
  inc(labels?: Labels, n = 1): void {
    if (!(n >= 0)) throw new Error(`counter ${this.name} cannot decrease`);
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + n);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  lines(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => `${this.name}${k} ${v}`);
  }
}

export class Gauge extends Metric {
  readonly kind = 'gauge' as const;
  private readonly values = new Map<string, number>();
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(labels), value);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  lines(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([k, v]) => `${this.name}${k} ${v}`);
  }
}

interface Series {
  counts: number[];
  sum: number;
  count: number;
}

export const DEFAULT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Histogram extends Metric {
  readonly kind = 'histogram' as const;
  private readonly series = new Map<string, Series>();
  constructor(
    name: string,
    help: string,
    readonly buckets: number[] = DEFAULT_BUCKETS,
  ) {
    super(name, help);
  }
  observe(value: number, labels?: Labels): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i] += 1;
    });
    s.sum += value;
    s.count += 1;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const [k, s] of this.series) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${withLabel(k, `le="${b}"`)} ${s.counts[i]}`));
      out.push(`${this.name}_bucket${withLabel(k, 'le="+Inf"')} ${s.count}`);
      out.push(`${this.name}_sum${k} ${s.sum}`, `${this.name}_count${k} ${s.count}`);
    }
    return out;
  }
}

/** A service's metrics; `render()` is what `/metrics` answers. */
export class Metrics {
  private readonly all = new Map<string, Metric>();
  constructor(readonly prefix = 'peer_') {}

  private add<M extends Metric>(metric: M): M {
    const existing = this.all.get(metric.name);
    if (existing) {
      if (existing.kind !== metric.kind) throw new Error(`metric ${metric.name} already registered as ${existing.kind}`);
      return existing as M;
    }
    this.all.set(metric.name, metric);
    return metric;
  }
  counter(name: string, help: string): Counter {
    return this.add(new Counter(this.prefix + name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(this.prefix + name, help));
  }
  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.add(new Histogram(this.prefix + name, help, buckets));
  }
  render(): string {
    return `${[...this.all.values()].map((m) => m.render()).join('\n')}\n`;
  }
}
