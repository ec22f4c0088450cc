/**
 * A TCP proxy to the real Postgres that a test can cut and restore, to make the database unreachable without
 * touching the machine's server. While cut it resets every open connection and every new one.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Resets every connection and refuses new ones (a stopped server). */
  cut(): void;
  /** Stops forwarding without closing anything (a network partition: the database just stops answering). */
  blackhole(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let cut = false;
  let silent = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    if (silent) {
      client.on('error', () => {});
      client.pause();
      open.add(client);
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const closeBoth = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut() {
      cut = true;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
    },
    blackhole() {
      silent = true;
      for (const socket of open) {
        socket.unpipe();
        socket.pause();
      }
    },
    restore() {
      // Connections that went silent are dead for their owners: reset them so pools notice and reconnect.
      if (silent) {
        for (const socket of open) socket.resetAndDestroy();
        open.clear();
      }
      cut = false;
      silent = false;
    },
    close() {
      cut = true;
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
