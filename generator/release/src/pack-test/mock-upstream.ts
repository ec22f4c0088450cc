/**
 * Adapter: a mock upstream API for `raku pack test` — a node:http server on 127.0.0.1 (a free port) that
 * records each request and answers with what the test tells it to.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string>;
  /** The body as UTF-8 text. */
  body: string;
  /** The body's bytes (multipart, files). */
  raw: Buffer;
}

export interface MockResponse {
  status: number;
  contentType?: string;
  body?: string | Buffer;
}

export class MockUpstream {
  readonly requests: RecordedRequest[] = [];
  /** Answer to the next requests; set per tool by the test runner. */
  respond: (req: RecordedRequest) => MockResponse = () => ({ status: 204 });
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<MockUpstream> {
    let mock: MockUpstream | undefined;
    const server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
          ),
          body: raw.toString('utf8'),
          raw,
        };
        if (!mock) {
          res.writeHead(503);
          res.end();
          return;
        }
        mock.requests.push(recorded);
        const answer = mock.respond(recorded);
        res.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {});
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    mock = new MockUpstream(server, `http://127.0.0.1:${port}`);
    return mock;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
