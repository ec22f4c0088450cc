/**
 * An OTLP/HTTP trace receiver for tests: accepts POST /v1/traces in protobuf or JSON, decodes what the SDK
 * really sent, and keeps the spans in one shape. The protobuf side reads the wire format of
 * opentelemetry-proto's trace.proto (ExportTraceServiceRequest) for the fields tests look at.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hex, type JsonAttributes, jsonAttributes, keyValue, text, wire } from './otlp-wire.ts';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client (SpanKind in trace.proto). */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  links: { traceId: string; spanId: string }[];
  resource: Record<string, string | number | boolean>;
  scope: string;
  /** The content type of the export that carried it. */
  contentType: string;
}

export interface TraceReceiver {
  /** Base URL to give OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Headers of each export request. */
  exports: http.IncomingHttpHeaders[];
  /** Resolves with the spans of `traceId` once `count` of them have arrived (rejects after `timeoutMs`). */
  waitForTrace(traceId: string, count: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

function protobufSpan(
  buf: Buffer,
  common: Pick<ReceivedSpan, 'resource' | 'scope' | 'contentType'>,
): ReceivedSpan {
  const span: ReceivedSpan = {
    ...common,
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    attributes: {},
    status: { code: 0, message: '' },
    links: [],
  };
  for (const w of wire(buf)) {
    if (w.no === 1) span.traceId = hex(w);
    else if (w.no === 2) span.spanId = hex(w);
    else if (w.no === 4) span.parentSpanId = hex(w);
    else if (w.no === 5) span.name = text(w);
    else if (w.no === 6) span.kind = Number(w.varint);
    else if (w.no === 9) {
      const [key, value] = keyValue(w.bytes!);
      span.attributes[key] = value;
    } else if (w.no === 13) {
      const link = { traceId: '', spanId: '' };
      for (const l of wire(w.bytes!)) {
        if (l.no === 1) link.traceId = hex(l);
        else if (l.no === 2) link.spanId = hex(l);
      }
      span.links.push(link);
    } else if (w.no === 15) {
      for (const s of wire(w.bytes!)) {
        if (s.no === 2) span.status.message = text(s);
        else if (s.no === 3) span.status.code = Number(s.varint);
      }
    }
  }
  return span;
}

function fromProtobuf(body: Buffer, contentType: string): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of wire(body)) {
    if (resourceSpans.no !== 1) continue;
    const resource: ReceivedSpan['resource'] = {};
    const scopeSpans: Buffer[] = [];
    for (const w of wire(resourceSpans.bytes!)) {
      if (w.no === 1) {
        for (const a of wire(w.bytes!))
          if (a.no === 1) Object.assign(resource, Object.fromEntries([keyValue(a.bytes!)]));
      } else if (w.no === 2) scopeSpans.push(w.bytes!);
    }
    for (const scoped of scopeSpans) {
      let scope = '';
      const raw: Buffer[] = [];
      for (const w of wire(scoped)) {
        if (w.no === 1) for (const s of wire(w.bytes!)) if (s.no === 1) scope = text(s);
        if (w.no === 2) raw.push(w.bytes!);
      }
      for (const span of raw) spans.push(protobufSpan(span, { resource, scope, contentType }));
    }
  }
  return spans;
}

// ---- OTLP/JSON (ids as hex, enums as numbers, 64-bit integers as strings) ----

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: JsonAttributes;
  status?: { code?: number; message?: string };
  links?: { traceId: string; spanId: string }[];
}

function fromJson(body: Buffer, contentType: string): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: {
      resource?: { attributes?: JsonAttributes };
      scopeSpans?: { scope?: { name?: string }; spans?: JsonSpan[] }[];
    }[];
  };
  const spans: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind,
          attributes: jsonAttributes(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          resource,
          scope: ss.scope?.name ?? '',
          contentType,
        });
      }
    }
  }
  return spans;
}

export async function startTraceReceiver(): Promise<TraceReceiver> {
  const spans: ReceivedSpan[] = [];
  const exports: http.IncomingHttpHeaders[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const type = String(req.headers['content-type'] ?? '');
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      try {
        spans.push(...(type.includes('json') ? fromJson(body, type) : fromProtobuf(body, type)));
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
        return;
      }
      exports.push(req.headers);
      res.writeHead(200, {
        'content-type': type.includes('json') ? 'application/json' : 'application/x-protobuf',
      });
      res.end(type.includes('json') ? '{}' : undefined);
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    exports,
    waitForTrace(traceId, count, timeoutMs = 30_000) {
      const found = () => spans.filter((s) => s.traceId === traceId);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (found().length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found());
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `trace ${traceId}: ${found().length} of ${count} spans arrived: ${found()
                .map((s) => s.name)
                .join(', ')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
