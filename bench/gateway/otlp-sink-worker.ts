/**
 * An OTLP/HTTP receiver for bench/otel.bench.ts in its own thread, as a collector would be in its own pod:
 * answers every export with 200 and keeps nothing. Posts its base URL and this thread's id back.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort } from 'node:worker_threads';
import { currentThreadId } from '../lib/thread-cpu.ts';

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
    res.end();
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
parentPort?.postMessage({ url: `http://127.0.0.1:${port}`, tid: currentThreadId() });
