/**
 * A stand-in pack server for bench/gateway-cost.bench.ts: answers every POST with one fixed tools/call result
 * (what the real pack server answers for widgets.get_widget), at the cost of a bare node:http echo. The
 * gateway's hop to it costs the gateway what a hop costs, without a busy pack server beside it. Given another
 * answer as workerData (`CannedAnswer`), it stands in for other receivers: bench/otel.bench.ts's OTLP endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { currentThreadId } from '../lib/thread-cpu.ts';

/** What every request is answered with instead of the tools/call result. */
export interface CannedAnswer {
  contentType: string;
  body: string;
}

const canned = workerData as CannedAnswer | undefined;
const answer =
  canned?.body ??
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    result: {
      content: [{ type: 'text', text: '{"id":"w1","color":"red","size":3}' }],
      structuredContent: { id: 'w1', color: 'red', size: 3 },
      resultType: 'complete',
    },
  });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': canned?.contentType ?? 'application/json',
      'content-length': Buffer.byteLength(answer),
    });
    res.end(answer);
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address() as AddressInfo;
parentPort?.on('message', (msg) => {
  if (msg === 'close') {
    server.close();
    server.closeAllConnections();
    parentPort?.close();
  }
});
parentPort?.postMessage({ url: `http://127.0.0.1:${port}/mcp`, tid: currentThreadId() });
