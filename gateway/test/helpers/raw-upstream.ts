/** A local HTTP API that keeps request bodies as bytes (multipart, files) and answers by route. */
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type RawRoute = (req: RawRequest, res: ServerResponse) => void;

export interface RawUpstream {
  url: string;
  requests: RawRequest[];
  /** Routes by 'METHOD /path' (path without query); unmatched requests get 404. */
  routes: Map<string, RawRoute>;
  close(): Promise<void>;
}

/** Answers with `body` as `contentType`. */
export function send(res: ServerResponse, status: number, contentType: string, body: Buffer | string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startRawUpstream(): Promise<RawUpstream> {
  const requests: RawRequest[] = [];
  const routes = new Map<string, RawRoute>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RawRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(rec);
      const route = routes.get(`${rec.method} ${rec.url.split('?')[0]}`);
      if (route) route(rec, res);
      else send(res, 404, 'application/json', '{"message":"Not Found"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Parses a multipart/form-data body with the platform's own parser (undici), not ours. */
export async function parseMultipart(req: RawRequest): Promise<FormData> {
  return new Response(new Uint8Array(req.body), {
    headers: { 'content-type': String(req.headers['content-type']) },
  }).formData();
}
