/**
 * The pack side of bench/gateway.bench.ts in its own thread, as it would be in its own pod: a fake upstream
 * API on 127.0.0.1 and the pack server calling it. Posts the pack server's URL and this thread's id back (the
 * bench reads the thread's CPU time).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort } from 'node:worker_threads';
import { startPackServer } from '../../gateway/src/server/pack-server.ts';
import { widgetsPack } from '../../gateway/test/helpers/test-pack.ts';
import { currentThreadId } from '../lib/thread-cpu.ts';

const payload = JSON.stringify({ id: 'w1', color: 'red', size: 3 });
const upstream = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
});
upstream.keepAliveTimeout = 60_000;
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const { port } = upstream.address() as AddressInfo;
const server = await startPackServer({
  packs: [widgetsPack(`http://127.0.0.1:${port}`)],
  environment: 'dev',
  secrets: () => 'bench-secret',
  allowPrivateNetworks: true,
  port: 0,
});
server.server.keepAliveTimeout = 60_000;
parentPort?.on('message', async (msg) => {
  if (msg === 'close') {
    await server.close();
    upstream.close();
    upstream.closeAllConnections();
    parentPort?.close();
  }
});
parentPort?.postMessage({ url: server.url, tid: currentThreadId() });
