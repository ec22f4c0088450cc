/** A local HTTP API standing in for a pack's upstream: records every request and answers by route. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Route = (req: RecordedRequest, res: ServerResponse) => void;

export interface FakeUpstream {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Routes by 'METHOD /path' (path without query); unmatched requests get 404. */
  routes: Map<string, Route>;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startFakeUpstream(host = '127.0.0.1'): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, Route>();
  const server = http.createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
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
