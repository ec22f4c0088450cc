/**
 * An OTLP/HTTP metrics receiver for tests: accepts POST /v1/metrics in JSON or protobuf, decodes what the SDK
 * really sent, and flattens it into Prometheus-style series (`name{a="x",b="y"}` → value; histograms as
 * `_bucket{le}` (cumulative), `_sum`, `_count`), so tests compare it with a /metrics scrape. The protobuf
 * side reads the fields of opentelemetry-proto's metrics.proto it needs with ./otlp-wire.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JsonAttributes, jsonAttributes, keyValue, text, type Wire, wire } from './otlp-wire.ts';

export interface ReceivedMetric {
  name: string;
  unit: string;
  kind: 'sum' | 'gauge' | 'histogram';
  monotonic?: boolean;
  /** 1 delta, 2 cumulative (AggregationTemporality in metrics.proto). */
  temporality?: number;
  points: {
    attributes: Record<string, string>;
    value?: number;
    count?: number;
    sum?: number;
    bounds?: number[];
    counts?: number[];
  }[];
}

export interface ReceivedExport {
  contentType: string;
  headers: http.IncomingHttpHeaders;
  resource: Record<string, string>;
  scopes: string[];
  metrics: ReceivedMetric[];
}

// ---- protobuf: the fields of metrics.proto read by number ----

const fields = (buf: Buffer): Wire[] => [...wire(buf)];
const all = (fs: Wire[], no: number) => fs.filter((f) => f.no === no);
const one = (fs: Wire[], no: number) => fs.find((f) => f.no === no);
const str = (f: Wire | undefined) => (f ? text(f) : '');
const dbl = (f: Wire | undefined) => (f?.fixed ? f.fixed.readDoubleLE(0) : undefined);
const keyValues = (fs: Wire[]) =>
  Object.fromEntries(fs.map((f) => keyValue(f.bytes!)).map(([k, v]) => [k, String(v)]));

function numberPoint(bytes: Buffer): ReceivedMetric['points'][number] {
  const fs = fields(bytes);
  const asDouble = dbl(one(fs, 4));
  const asInt = one(fs, 6)?.fixed?.readBigInt64LE(0);
  return { attributes: keyValues(all(fs, 7)), value: asDouble ?? Number(asInt ?? 0) };
}

function histogramPoint(bytes: Buffer): ReceivedMetric['points'][number] {
  const fs = fields(bytes);
  const packed = (no: number, read: (b: Buffer, at: number) => number) => {
    const out: number[] = [];
    for (const f of all(fs, no)) {
      if (f.bytes) for (let at = 0; at < f.bytes.length; at += 8) out.push(read(f.bytes, at));
      else if (f.fixed) out.push(read(f.fixed, 0));
    }
    return out;
  };
  return {
    attributes: keyValues(all(fs, 9)),
    count: Number(one(fs, 4)?.fixed?.readBigUInt64LE(0) ?? 0n),
    sum: dbl(one(fs, 5)) ?? 0,
    counts: packed(6, (b, at) => Number(b.readBigUInt64LE(at))),
    bounds: packed(7, (b, at) => b.readDoubleLE(at)),
  };
}

function decodeProtobuf(body: Buffer): Omit<ReceivedExport, 'contentType' | 'headers'> {
  const result: Omit<ReceivedExport, 'contentType' | 'headers'> = { resource: {}, scopes: [], metrics: [] };
  for (const rm of all(fields(body), 1)) {
    const rmf = fields(rm.bytes!);
    Object.assign(result.resource, keyValues(all(fields(one(rmf, 1)?.bytes ?? Buffer.alloc(0)), 1)));
    for (const sm of all(rmf, 2)) {
      const smf = fields(sm.bytes!);
      result.scopes.push(str(one(fields(one(smf, 1)?.bytes ?? Buffer.alloc(0)), 1)));
      for (const m of all(smf, 2)) {
        const mf = fields(m.bytes!);
        const base = { name: str(one(mf, 1)), unit: str(one(mf, 3)) };
        const gauge = one(mf, 5);
        const sum = one(mf, 7);
        const histogram = one(mf, 9);
        if (gauge) {
          const gf = fields(gauge.bytes!);
          result.metrics.push({
            ...base,
            kind: 'gauge',
            points: all(gf, 1).map((p) => numberPoint(p.bytes!)),
          });
        } else if (sum) {
          const sf = fields(sum.bytes!);
          result.metrics.push({
            ...base,
            kind: 'sum',
            temporality: Number(one(sf, 2)?.varint ?? 0n),
            monotonic: one(sf, 3)?.varint === 1n,
            points: all(sf, 1).map((p) => numberPoint(p.bytes!)),
          });
        } else if (histogram) {
          const hf = fields(histogram.bytes!);
          result.metrics.push({
            ...base,
            kind: 'histogram',
            temporality: Number(one(hf, 2)?.varint ?? 0n),
            points: all(hf, 1).map((p) => histogramPoint(p.bytes!)),
          });
        } else throw new Error(`metric ${base.name}: no gauge, sum or histogram`);
      }
    }
  }
  return result;
}

// ---- OTLP/JSON (proto3 JSON mapping: camelCase, 64-bit integers as strings) ----

const stringAttributes = (list: JsonAttributes) =>
  Object.fromEntries(Object.entries(jsonAttributes(list)).map(([k, v]) => [k, String(v)]));

function decodeJson(body: Buffer): Omit<ReceivedExport, 'contentType' | 'headers'> {
  // biome-ignore lint/suspicious/noExplicitAny: the OTLP/JSON document, read field by field below
  const doc = JSON.parse(body.toString('utf8')) as any;
  const result: Omit<ReceivedExport, 'contentType' | 'headers'> = { resource: {}, scopes: [], metrics: [] };
  for (const rm of doc.resourceMetrics ?? []) {
    Object.assign(result.resource, stringAttributes(rm.resource?.attributes));
    for (const sm of rm.scopeMetrics ?? []) {
      result.scopes.push(sm.scope?.name ?? '');
      for (const m of sm.metrics ?? []) {
        const base = { name: m.name as string, unit: (m.unit ?? '') as string };
        // biome-ignore lint/suspicious/noExplicitAny: as above
        const number = (p: any) => ({
          attributes: stringAttributes(p.attributes),
          value: p.asDouble !== undefined ? Number(p.asDouble) : Number(p.asInt ?? 0),
        });
        if (m.gauge) result.metrics.push({ ...base, kind: 'gauge', points: m.gauge.dataPoints.map(number) });
        else if (m.sum) {
          result.metrics.push({
            ...base,
            kind: 'sum',
            temporality: Number(m.sum.aggregationTemporality),
            monotonic: m.sum.isMonotonic === true,
            points: m.sum.dataPoints.map(number),
          });
        } else if (m.histogram) {
          result.metrics.push({
            ...base,
            kind: 'histogram',
            temporality: Number(m.histogram.aggregationTemporality),
            // biome-ignore lint/suspicious/noExplicitAny: as above
            points: m.histogram.dataPoints.map((p: any) => ({
              attributes: stringAttributes(p.attributes),
              count: Number(p.count ?? 0),
              sum: Number(p.sum ?? 0),
              counts: (p.bucketCounts ?? []).map(Number),
              bounds: (p.explicitBounds ?? []).map(Number),
            })),
          });
        } else throw new Error(`metric ${base.name}: no gauge, sum or histogram`);
      }
    }
  }
  return result;
}

// ---- the receiver ----

export interface MetricsReceiver {
  url: string;
  exports: ReceivedExport[];
  close(): Promise<void>;
}

export async function startMetricsReceiver(): Promise<MetricsReceiver> {
  const exports: ReceivedExport[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      if (req.method !== 'POST' || req.url !== '/v1/metrics') {
        res.writeHead(404).end();
        return;
      }
      const decoded = contentType.includes('json') ? decodeJson(body) : decodeProtobuf(body);
      exports.push({ contentType, headers: req.headers, ...decoded });
      if (contentType.includes('json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    exports,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

// ---- both sides as Prometheus-style series ----

const labelText = (attributes: Record<string, string>) => {
  const keys = Object.keys(attributes).sort();
  return `{${keys.map((k) => `${k}="${attributes[k]}"`).join(',')}}`;
};

/** The series of one export, keyed `name{labels sorted}`. */
export function seriesOfExport(received: ReceivedExport): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of received.metrics) {
    for (const p of m.points) {
      if (m.kind !== 'histogram') {
        out.set(`${m.name}${labelText(p.attributes)}`, p.value ?? Number.NaN);
        continue;
      }
      let cumulative = 0;
      const bounds = p.bounds ?? [];
      for (const [i, n] of (p.counts ?? []).entries()) {
        cumulative += n;
        const le = i < bounds.length ? String(bounds[i]) : '+Inf';
        out.set(`${m.name}_bucket${labelText({ ...p.attributes, le })}`, cumulative);
      }
      out.set(`${m.name}_sum${labelText(p.attributes)}`, p.sum ?? Number.NaN);
      out.set(`${m.name}_count${labelText(p.attributes)}`, p.count ?? Number.NaN);
    }
  }
  return out;
}

/** The series of a Prometheus text scrape, keyed as seriesOfExport keys them. */
export function seriesOfScrape(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    out.set(`${match[1]}${labelText(labels)}`, Number(match[3]));
  }
  return out;
}
