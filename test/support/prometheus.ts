/**
 * Reads a `/metrics` exposition as Prometheus does, strictly: a small parser of the text format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format). prom-client has no
 * parser, and parse-prometheus-text-format 1.1 merges the series of a labelled histogram into one, so it
 * cannot tell channels apart. Anything Prometheus would refuse throws, naming the line: a sample before
 * its family's TYPE or outside it, a second TYPE, a bad name, label or value, a duplicate series, a
 * histogram whose buckets are not cumulative or whose `+Inf` bucket differs from its count.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (a histogram's `…_bucket`, `…_sum`, `…_count`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** A value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case; prom-client writes `Nan`). */
function parseValue(text: string, where: string): number {
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: "${text}" is not a number`);
  return Number(text);
}

/** Labels of `{…}`, from just after the brace; returns them and where the closing brace is. */
function parseLabels(line: string, start: number, where: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start;
  for (;;) {
    if (line[i] === '}') return { labels, end: i };
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: a label without "="`);
    const name = line.slice(i, eq).trim();
    if (!LABEL.test(name) || name.startsWith('__')) throw new Error(`${where}: bad label name "${name}"`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: the value of ${name} is not quoted`);
    let value = '';
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\') {
        const next = line[++j];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`${where}: bad escape \\${next ?? ''} in ${name}`);
      } else value += line[j];
    }
    if (j >= line.length) throw new Error(`${where}: the value of ${name} is not closed`);
    labels[name] = value;
    i = j + 1;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw new Error(`${where}: expected "," or "}" after ${name}`);
  }
}

/** The families of an exposition, in order; throws on anything Prometheus would refuse. */
export function parseExposition(text: string): Family[] {
  const families: Family[] = [];
  const byName = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | undefined;
  const family = (name: string): Family => {
    let f = byName.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: '', samples: [] };
      byName.set(name, f);
      families.push(f);
    }
    return f;
  };
  text.split('\n').forEach((raw, index) => {
    const where = `line ${index + 1}`;
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) return; // a comment
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name!)) throw new Error(`${where}: bad metric name "${name}"`);
      const f = family(name!);
      if (kind === 'TYPE') {
        if (f.samples.length > 0) throw new Error(`${where}: TYPE of ${name} after its samples`);
        if (seen.has(`TYPE ${name}`)) throw new Error(`${where}: a second TYPE for ${name}`);
        if (!TYPES.has(rest as MetricType)) throw new Error(`${where}: unknown type "${rest}"`);
        f.type = rest as MetricType;
      } else {
        if (seen.has(`HELP ${name}`)) throw new Error(`${where}: a second HELP for ${name}`);
        f.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      }
      seen.add(`${kind} ${name}`);
      current = f;
      return;
    }
    const nameEnd = line.search(/[{\s]/);
    const name = nameEnd < 0 ? line : line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
    let labels: Record<string, string> = {};
    let rest = nameEnd < 0 ? '' : line.slice(nameEnd);
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest, 1, where);
      labels = parsed.labels;
      rest = rest.slice(parsed.end + 1);
    }
    const fields = rest.trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new Error(`${where}: expected a value (and a timestamp)`);
    const value = parseValue(fields[0]!, where);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`${where}: bad timestamp "${fields[1]}"`);
    const base = current?.name;
    const suffixes = current?.type === 'histogram' ? ['_bucket', '_sum', '_count'] : current?.type === 'summary' ? ['_sum', '_count'] : [];
    const f = base !== undefined && (name === base || suffixes.some((s) => name === base + s)) ? current! : family(name);
    if (f !== current && byName.get(name)?.samples.length) throw new Error(`${where}: samples of ${name} are not together`);
    if (f.type === 'histogram' && name === f.name) throw new Error(`${where}: a histogram sample without _bucket, _sum or _count`);
    if (name.endsWith('_bucket') && f.type === 'histogram' && labels.le === undefined) throw new Error(`${where}: a bucket without le`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: ${name} with these labels twice`);
    seen.add(key);
    f.samples.push({ name, labels, value });
    current = f;
  });
  for (const f of families) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function withoutLe(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== 'le')
      .sort(),
  );
}

function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  for (const s of f.samples) {
    const key = withoutLe(s.labels);
    const entry = series.get(key) ?? { buckets: [] };
    if (s.name === `${f.name}_bucket`) entry.buckets.push([parseValue(s.labels.le!, `${f.name} le`), s.value]);
    if (s.name === `${f.name}_count`) entry.count = s.value;
    series.set(key, entry);
  }
  for (const [key, { buckets, count }] of series) {
    const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]![1] < sorted[i - 1]![1]) throw new Error(`${f.name}${key}: buckets are not cumulative`);
    }
    const inf = sorted.at(-1);
    if (!inf || inf[0] !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
    if (count === undefined || inf[1] !== count)
      throw new Error(`${f.name}${key}: the +Inf bucket (${inf[1]}) is not the count (${count})`);
  }
}

/** A parsed `/metrics`, with lookups by family and labels. */
export class Exposition {
  readonly families: Map<string, Family>;

  constructor(readonly text: string) {
    this.families = new Map(parseExposition(text).map((f) => [f.name, f]));
  }

  /** The family, or an error naming those there are. */
  family(name: string): Family {
    const f = this.families.get(name);
    if (!f) throw new Error(`no family ${name} in /metrics (there are: ${[...this.families.keys()].join(', ')})`);
    return f;
  }

  /** The samples named `sample` (default: the family's own name) whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}, sample = name): Sample[] {
    return this.family(name).samples.filter((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** The value of the counter or gauge series with exactly these labels (0 when there is none). */
  value(name: string, labels: Record<string, string> = {}): number {
    const want = JSON.stringify(Object.entries(labels).sort());
    const s = this.family(name).samples.find((x) => x.name === name && JSON.stringify(Object.entries(x.labels).sort()) === want);
    return s ? s.value : 0;
  }

  /** A histogram's count and sum over its series whose labels include `labels`. */
  histogram(name: string, labels: Record<string, string> = {}): { count: number; sum: number } {
    const total = (suffix: string) => this.samples(name, labels, name + suffix).reduce((a, s) => a + s.value, 0);
    return { count: total('_count'), sum: total('_sum') };
  }

  /** Every label (but a histogram's `le`) of every sample. */
  labels(): Array<{ family: string; name: string; value: string }> {
    return [...this.families.values()].flatMap((f) =>
      f.samples.flatMap((s) =>
        Object.entries(s.labels)
          .filter(([k]) => !(k === 'le' && f.type === 'histogram'))
          .map(([name, value]) => ({ family: f.name, name, value })),
      ),
    );
  }
}

/** GET /metrics, parsed. */
export async function scrape(base: string): Promise<Exposition> {
  const res = await fetch(`${base}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`);
  return new Exposition(await res.text());
}
