/**
 * Generated hostile requests for the gateway fuzzer (bench/fuzz.bench.ts): tools/call and tools/list in both
 * protocol revisions with hostile arguments (lone surrogates, NUL, control characters, huge strings, nesting
 * thousands of levels deep), malformed and batched bodies, wrong headers, and admin API calls with hostile
 * bodies and query strings. Seeded, so a run can be repeated; plain loops rather than fast-check, which would
 * cost more than the gateway at 100,000 requests.
 */

export interface FuzzRequest {
  kind: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** mulberry32: a small, fast, seeded generator. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOOLS = [
  'github.add_comment',
  'github.close_issue',
  'github.create_issue',
  'github.get_issue',
  'github.list_issues',
  'petstore.add_pet',
  'petstore.delete_pet',
  'petstore.find_pets_by_status',
  'petstore.get_pet',
  'weather.get_forecast',
];

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const PIECES = [
  '\ud800',
  '\udfff',
  '\udbff\udfff',
  '\u0000',
  '\u001b[2J',
  '\u2028',
  '\uFEFF',
  '"',
  '\\',
  '\\u0000',
  '\\ud800',
  '[[[[',
  '{"a":{"a":',
  'password=hunter2',
  'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
  'ann@example.com',
  'é',
  '😀',
  '../../etc/passwd',
  '%00',
  '%E0%A4%A',
  '\r\nX-Injected: 1',
];

/** Huge strings are cut from this one rather than built for each request. */
const FILLER = 'x'.repeat(6 * 1024 * 1024);

const wellFormed = (s: string) => (s as string & { toWellFormed(): string }).toWellFormed();

export function hostileRequests(seed: number) {
  const r = random(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => r() < p;

  function text(maxPieces = 6): string {
    let out = '';
    const n = int(maxPieces + 1);
    for (let i = 0; i < n; i++) {
      const roll = r();
      if (roll < 0.4) out += pick(PIECES);
      else if (roll < 0.7) out += String.fromCharCode(int(0x80));
      else if (roll < 0.9) out += String.fromCharCode(int(0x10000));
      else out += String.fromCodePoint(0x10000 + int(0xfffff));
    }
    return out;
  }

  function value(depth: number): unknown {
    const roll = r();
    if (depth <= 0 || roll < 0.45) {
      const leaf = r();
      if (leaf < 0.5) return text();
      if (leaf < 0.7) return pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1, 123456789]);
      if (leaf < 0.85) return pick([true, false, null]);
      return '';
    }
    if (roll < 0.7) return Array.from({ length: int(4) }, () => value(depth - 1));
    const out: Record<string, unknown> = {};
    for (let i = int(4); i > 0; i--)
      out[chance(0.5) ? text(3) : pick(['petId', 'status', 'q', 'owner', 'token'])] = value(depth - 1);
    return out;
  }

  /** `depth` levels of objects or arrays around a leaf, as JSON text, built without recursion. */
  function buildDeep(depth: number): string {
    const shape = int(3);
    const open: string[] = [];
    const close: string[] = [];
    for (let i = 0; i < depth; i++) {
      const array = shape === 1 || (shape === 2 && i % 2 === 1);
      open.push(array ? '[' : `{${JSON.stringify(text(1))}:`);
      close.push(array ? ']' : '}');
    }
    return open.join('') + JSON.stringify(text(2)) + close.reverse().join('');
  }

  // Deep texts are drawn from a pool built once (building one per request cost more than the gateway).
  const deepPool = new Map<number, string[]>();
  function deepText(depth: number): string {
    const key = Math.round(Math.log2(depth) * 4); // four depth classes per doubling
    let pool = deepPool.get(key);
    if (!pool) {
      pool = [];
      deepPool.set(key, pool);
    }
    if (pool.length < 8) {
      const built = buildDeep(depth);
      pool.push(built);
      return built;
    }
    return pick(pool);
  }

  function args(): string {
    const roll = r();
    if (roll < 0.1)
      return JSON.stringify(
        pick([{ petId: int(100) }, { status: 'available' }, { latitude: 52.5, longitude: 13.4 }]),
      );
    if (roll < 0.2) return deepText(100 + int(6000));
    if (roll < 0.23)
      return `{"q":${JSON.stringify(pick(PIECES))},"filler":"${FILLER.slice(0, 10_000 + int(200_000))}"}`;
    // Now and then past the 4 MiB body limit.
    if (roll < 0.235) return `{"blob":"${FILLER.slice(0, 1024 * 1024 * (1 + int(5)))}"}`;
    const v = value(4);
    return JSON.stringify(v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { v });
  }

  function mcp(
    kind: string,
    modern: boolean,
    method: string,
    name: string | undefined,
    params: string,
    id: string,
  ): FuzzRequest {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': modern ? '2026-07-28' : '2025-11-25',
    };
    if (modern) {
      headers['mcp-method'] = method;
      if (name !== undefined) headers['mcp-name'] = encodeHeader(name);
    }
    return {
      kind,
      method: 'POST',
      path: '/mcp',
      headers,
      body: Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${params}}`),
    };
  }

  /** Header values must be latin-1 without CR/LF; a name that is not goes Base64 as the protocol allows. */
  function encodeHeader(name: string): string {
    return /^[\x20-\x7e]*$/.test(name) ? name : `=?base64?${Buffer.from(name).toString('base64')}?=`;
  }

  let n = 0;
  function call(kind: string, modern: boolean, argsText: string): FuzzRequest {
    const name = chance(0.8) ? pick(TOOLS) : chance(0.5) ? `${text(2)}.${text(2)}` : 'nope.unknown';
    const meta = modern ? `,"_meta":${JSON.stringify(MODERN_META)}` : '';
    return mcp(
      kind,
      modern,
      'tools/call',
      name,
      `{"name":${JSON.stringify(name)},"arguments":${argsText}${meta}}`,
      String(++n),
    );
  }

  function malformed(): FuzzRequest {
    const modern = chance(0.5);
    const bodies = [
      () => '{',
      () => '',
      () => 'null',
      () => '42',
      () => JSON.stringify(text()),
      () => `[${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} })}]`,
      () => '[]',
      () => deepText(50_000),
      () => '['.repeat(100_000),
      () => `{"jsonrpc":"2.0","id":${deepText(300)},"method":"tools/call","params":{}}`,
      () =>
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{},"_meta":${deepText(400)}}}`,
      () =>
        `{"jsonrpc":"2.0","id":1,"method":${JSON.stringify(text())},"params":${JSON.stringify(value(3))}}`,
      () =>
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":${JSON.stringify(value(2))},"arguments":${JSON.stringify(value(2))}}}`,
      () => `{"a":"\\ud800","b":"\\u0000","c":"${'\\'.repeat(int(9))}"}`,
    ];
    const body = Buffer.from(pick(bodies)());
    if (chance(0.05)) body[int(body.length)] = 0xff; // not UTF-8
    return {
      kind: 'malformed',
      method: 'POST',
      path: '/mcp',
      headers: {
        'content-type': chance(0.9) ? 'application/json' : 'text/plain',
        accept: chance(0.9) ? 'application/json, text/event-stream' : 'text/html',
        'mcp-protocol-version': modern ? '2026-07-28' : pick(['2025-11-25', '1999-01-01', '']),
        ...(modern && chance(0.5) ? { 'mcp-method': pick(['tools/call', 'tools/list', 'x']) } : {}),
      },
      body,
    };
  }

  const uuid = () => (chance(0.7) ? crypto.randomUUID() : encodeURIComponent(wellFormed(text(3))) || 'x');

  function admin(): FuzzRequest {
    const json = { 'content-type': 'application/json' };
    const roll = r();
    if (roll < 0.25) {
      const params = new URLSearchParams();
      for (const key of ['tool', 'subject', 'status', 'from', 'to', 'limit', 'cursor']) {
        if (chance(0.4)) params.append(key, text(3).replace(/[\ud800-\udfff]/g, 'x'));
      }
      return { kind: 'admin-query', method: 'GET', path: `/v1/traces?${params}`, headers: {} };
    }
    const bodyText = chance(0.2)
      ? deepText(100 + int(5000))
      : chance(0.05)
        ? `{"tool":"x","note":"${FILLER.slice(0, 1024 * 1024 + 10)}"}`
        : JSON.stringify(value(4));
    if (roll < 0.55) {
      // Never a valid submission (an unknown field), so the run counts no job-made calls.
      const body = chance(0.5)
        ? `{"tool":${JSON.stringify(pick(TOOLS))},"arguments":${args()},"$fuzz":1}`
        : bodyText;
      return { kind: 'admin-job', method: 'POST', path: '/v1/jobs', headers: json, body: Buffer.from(body) };
    }
    if (roll < 0.7)
      return {
        kind: 'admin-deployment',
        method: 'POST',
        path: '/v1/deployments',
        headers: json,
        body: Buffer.from(bodyText),
      };
    if (roll < 0.85) {
      return {
        kind: 'admin-decision',
        method: 'POST',
        path: `/v1/approvals/${uuid()}/decision`,
        headers: json,
        body: Buffer.from(bodyText),
      };
    }
    return {
      kind: 'admin-cancel',
      method: 'PUT',
      path: `/v1/jobs/${uuid()}`,
      headers: json,
      body: Buffer.from(bodyText),
    };
  }

  return function next(): FuzzRequest {
    const roll = r();
    if (roll < 0.3) return call('call-modern', true, args());
    if (roll < 0.45) return call('call-legacy', false, args());
    if (roll < 0.53)
      return call(chance(0.5) ? 'deep-modern' : 'deep-legacy', chance(0.5), deepText(100 + int(6000)));
    if (roll < 0.58) {
      const modern = chance(0.5);
      const cursor = chance(0.5) ? `,"cursor":${JSON.stringify(text())}` : '';
      const meta = modern ? `,"_meta":${JSON.stringify(MODERN_META)}` : '';
      return mcp('list', modern, 'tools/list', undefined, `{${`${cursor}${meta}`.slice(1)}}`, String(++n));
    }
    if (roll < 0.78) return malformed();
    return admin();
  };
}
