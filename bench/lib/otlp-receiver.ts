/**
 * The OTLP/HTTP receiver of the OpenTelemetry benches: a child process (a collector runs apart from the
 * gateway, so its work must not be charged to the gateway's threads or heap) that answers every export 200
 * with an empty response of the request's content type (protobuf or JSON) and keeps nothing. Its CPU time,
 * from /proc, is reported apart; GET answers how many exports it has received so far.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const RECEIVER = `let exports = 0;
require('node:http')
  .createServer((q, s) => {
    if (q.method === 'GET') return s.end(String(exports));
    exports++;
    q.resume();
    q.on('end', () => {
      const json = q.headers['content-type'] === 'application/json';
      s.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      s.end(json ? '{}' : '');
    });
  })
  .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** User + system CPU of the receiver process so far, in ms (10 ms resolution); null where /proc is missing. */
  cpuMs(): number | null;
  /** Export requests received so far. */
  exports(): Promise<number>;
  stop(): void;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    cpuMs() {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        // Fields after the parenthesised command name: utime is field 14, stime 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      } catch {
        return null;
      }
    },
    exports: async () => Number(await (await fetch(`http://127.0.0.1:${port}/`)).text()),
    stop: () => child.kill(),
  };
}
