/** A local HTTP API standing in for a pack's upstream: records every request and answers by route. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the upstream received it; the body as text, or as bytes for `startRecordingUpstream(bytes)`. */
export interface RecordedRequest<Body = string> {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Body;
}

export type Route<Body = string> = (req: RecordedRequest<Body>, res: ServerResponse) => void;

export interface FakeUpstream<Body = string> {
  url: string;
  port: number;
  requests: RecordedRequest<Body>[];
  /** Routes by 'METHOD /path' (path without query); unmatched requests get 404. */
  routes: Map<string, Route<Body>>;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function startFakeUpstream(host = '127.0.0.1'): Promise<FakeUpstream> {
  return startRecordingUpstream((bytes) => bytes.toString('utf8'), host);
}

/** The upstream server itself, keeping each request body as `decode` makes it. */
export async function startRecordingUpstream<Body>(
  decode: (bytes: Buffer) => Body,
  host = '127.0.0.1',
): Promise<FakeUpstream<Body>> {
  const requests: RecordedRequest<Body>[] = [];
  const routes = new Map<string, Route<Body>>();
  const server = http.createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest<Body> = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: decode(Buffer.concat(chunks)),
      };
      requests.push(rec);
      const path = rec.url.split('?')[0];
      const route = routes.get(`${rec.method} ${path}`);
      if (route) route(rec, res);
      else json(res, 404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
