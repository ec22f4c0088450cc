/**
 * A local-mode gateway (`npm start`'s startLocal) for the console's browser tests, on a temporary copy of the
 * repository's packs, zones and policies plus one pack, widgets, whose upstream is a fake API on 127.0.0.1
 * (so calls succeed without the network). Traces go to an in-memory PGlite. The console's one-time login link
 * is read from the banner, exactly as a person would copy it.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { type LocalGateway, localBanner, startLocal } from '../../src/server/local-mode.ts';
import { parseRuntimeOptions } from '../../src/server/options.ts';
import { type FakeUpstream, json, startFakeUpstream } from '../helpers/fake-upstream.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from '../helpers/test-pack.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface LocalConsole {
  local: LocalGateway;
  /** The temporary config folder the gateway serves (packs/, zones/, policies/), removed by close(). */
  root: string;
  /** The gateway's base URL (no trailing slash), e.g. http://127.0.0.1:PORT. */
  base: string;
  /** The local bearer token (admin), for posting through the API as a script would. */
  token: string;
  /** The banner's console link with its one-time login fragment. */
  loginLink: string;
  banner: string;
  upstream: FakeUpstream;
  /** A call to the admin API with the local bearer token; returns status and JSON body. */
  api(method: string, apiPath: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

/** The banner line `Console  <url>#login=<token>` (console contract). */
export function consoleLinkOf(banner: string): string {
  const link = /^\s*Console\s+(http\S+#login=\S+)\s*$/m.exec(banner)?.[1];
  if (!link) throw new Error(`the local banner prints no console link (Console  http…#login=…):\n${banner}`);
  return link;
}

export async function startLocalConsole(
  options: {
    approvalWaitMs?: number;
    /** More settings, as environment variables (a config repository's pull request settings). */
    env?: Record<string, string>;
    /** More packs (each a pack.yaml's content, with its `name`), written to packs/ and run by the dev zone. */
    packs?: { name: string }[];
  } = {},
): Promise<LocalConsole> {
  const upstream = await startFakeUpstream();
  upstream.routes.set('GET /api/widgets/w1', (_req, res) => json(res, 200, { id: 'w1', name: 'bolt' }));
  upstream.routes.set('GET /api/widgets', (_req, res) => json(res, 200, { items: [{ id: 'w1' }] }));
  const root = mkdtempSync(path.join(tmpdir(), 'raku-console-'));
  for (const dir of ['packs', 'zones', 'policies', 'tenants'])
    cpSync(path.join(ROOT, dir), path.join(root, dir), { recursive: true });
  mkdirSync(path.join(root, 'packs', 'widgets'));
  // Plain http is allowed in dev only; staging and prod never call it here.
  const widgets = widgetsPack(upstream.url);
  widgets.upstream.baseUrls = { dev: `${upstream.url}/api`, staging: 'https://widgets.invalid/api' };
  writeFileSync(path.join(root, 'packs', 'widgets', 'pack.yaml'), stringify(widgets));
  // The sensitive tool needs an approval rule; the local subject may not approve its own calls.
  writeFileSync(
    path.join(root, 'policies', 'console-e2e.yaml'),
    stringify({
      name: 'console-e2e',
      approvals: [
        { name: 'widget-creation', tools: ['widgets.create_widget'], approvers: ['group:maintainers'] },
      ],
    }),
  );
  const devZone = path.join(root, 'zones', 'dev.yaml');
  const zoneText = readFileSync(devZone, 'utf8');
  if (!/^packs:\n/m.test(zoneText)) throw new Error(`${devZone}: no "packs:" list to add widgets to`);
  for (const pack of options.packs ?? []) {
    mkdirSync(path.join(root, 'packs', pack.name));
    writeFileSync(path.join(root, 'packs', pack.name, 'pack.yaml'), stringify(pack));
  }
  const names = ['widgets', ...(options.packs ?? []).map((p) => p.name)];
  writeFileSync(
    devZone,
    zoneText.replace(/^packs:\n/m, `packs:\n${names.map((n) => `  - name: ${n}\n`).join('')}`),
  );

  const runtime = parseRuntimeOptions(
    {
      RAKU_ROOT: root,
      RAKU_DATA_DIR: 'memory://',
      PORT: '0',
      HOST: '127.0.0.1',
      RAKU_ALLOW_PRIVATE_NETWORKS: 'true',
      RAKU_APPROVAL_WAIT_MS: String(options.approvalWaitMs ?? 200),
      [WIDGETS_SECRET_ENV]: 'upstream-secret',
      ...options.env,
    },
    ['local'],
    root,
  );
  const log: string[] = [];
  let local: LocalGateway;
  try {
    local = await startLocal(runtime, { log: (m) => log.push(m), revision: 'console-e2e' });
  } catch (error) {
    await upstream.close();
    rmSync(root, { recursive: true, force: true });
    throw new Error(`local gateway did not start: ${error}\n${log.join('\n')}`);
  }
  const base = local.url.replace(/\/mcp$/, '');
  const token = local.token!;
  const banner = localBanner(local, runtime);
  const close = async () => {
    await local.close();
    await upstream.close();
    rmSync(root, { recursive: true, force: true });
  };
  let loginLink: string;
  try {
    loginLink = consoleLinkOf(banner);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    local,
    root,
    base,
    token,
    loginLink,
    banner,
    upstream,
    async api(method, apiPath, body) {
      const res = await fetch(`${base}${apiPath}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    },
    close,
  };
}
