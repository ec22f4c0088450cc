/**
 * A real ClickHouse server per test file (or bench): Debian's clickhouse-server (18.16 on these machines;
 * .ci/run installs it) started with a generated config.xml, its data under a temp dir, on free ports, and
 * stopped with its data removed afterwards. RAKU_CLICKHOUSE_SERVER overrides the binary's path.
 *
 * Users: `default` without a password, and `raku` with the password RAKU_TEST_PASSWORD (to test a URL with
 * credentials), both from loopback only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ClickHouseStore, openClickHouseStore } from '../../../src/traces/clickhouse-store.ts';

export const CLICKHOUSE_SERVER = process.env['RAKU_CLICKHOUSE_SERVER'] ?? '/usr/sbin/clickhouse-server';
export const RAKU_TEST_PASSWORD = 'raku-test-password';

export interface TestClickHouse {
  /** http://127.0.0.1:<port> as the `default` user. */
  url: string;
  port: number;
  /** The server's version, as it reports it ('18.16.1'). */
  version: string;
  /** Stops the server (SIGTERM, then waits for it to exit) and removes its data. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function config(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/data/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mlock_executable>false</mlock_executable>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <raku><password>${RAKU_TEST_PASSWORD}</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></raku>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Waits until GET /ping answers Ok, or the process exits (then throws with its output), or 60 s pass. */
async function ready(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let gone = false;
  void exited(child).then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) throw new Error(`clickhouse-server exited at start:\n${output()}`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`clickhouse-server did not answer ${url}/ping within 60 s:\n${output()}`);
}

export async function startClickHouse(): Promise<TestClickHouse> {
  if (!existsSync(CLICKHOUSE_SERVER)) {
    throw new Error(
      `${CLICKHOUSE_SERVER} not found: install Debian's clickhouse-server (.ci/run does) or set RAKU_CLICKHOUSE_SERVER`,
    );
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'raku-clickhouse-'));
  await writeFile(path.join(dir, 'users.xml'), USERS);
  // A port taken between freePort() and the server's bind makes the start fail: try again with new ports.
  for (let attempt = 1; ; attempt++) {
    const [httpPort, tcpPort] = [await freePort(), await freePort()];
    await writeFile(path.join(dir, 'config.xml'), config(dir, httpPort, tcpPort));
    const child = spawn(CLICKHOUSE_SERVER, [`--config-file=${dir}/config.xml`], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const url = `http://127.0.0.1:${httpPort}`;
    try {
      await ready(url, child, () => output);
    } catch (err) {
      child.kill('SIGKILL');
      await exited(child);
      if (attempt < 3 && /Address already in use/.test(output)) continue;
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const version = (await (await fetch(`${url}/?query=SELECT%20version()`)).text()).trim();
    return {
      url,
      port: httpPort,
      version,
      async stop() {
        child.kill('SIGTERM');
        await exited(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

/** The trace store on `url` in `database`, without retention or logs. */
export function openTestStore(url: string, database: string): Promise<ClickHouseStore> {
  return openClickHouseStore({ url, database, retentionDays: 0, log: () => {} });
}
