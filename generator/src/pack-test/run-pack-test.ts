/**
 * `raku pack test`: calls every tool of a pack through the real pack executor (gateway/src/pack) against a
 * mock upstream, and checks the HTTP request against the tool's mapping and the response against its output
 * schema. Answers come from recorded examples in the pack folder, else the source document's examples,
 * else values built from the output schema.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { PackExecutor } from '../../../gateway/src/pack/pack-executor.ts';
import { firstText } from '../../../gateway/src/pack/response-content.ts';
import { documentFormat, type OpenApiDocument } from '../import/openapi-document.ts';
import { isJson } from '../import/operation-tool.ts';
import { listOperations } from '../import/operations.ts';
import { canonicalJson } from '../model/hash.ts';
import { exposedToolName } from '../model/names.ts';
import type { Pack, Tool } from '../model/types.ts';
import { expectedRequest } from './expected-request.ts';
import { MockUpstream, type RecordedRequest } from './mock-upstream.ts';
import { sampleValue } from './sample-value.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
/** The value every referenced secret has during a pack test. */
export const TEST_SECRET = 'raku-pack-test-secret';
const TOKEN_PATH = '/__raku_pack_test_token';

/** A recorded example (packs/<pack>/examples/<tool>.json): arguments to call with, the answer to give. */
export interface RecordedExample {
  arguments?: Record<string, unknown>;
  response?: { status?: number; body?: unknown };
}

export interface ToolTestResult {
  tool: string;
  outcome: 'pass' | 'fail' | 'skip';
  /** What failed (or why it was skipped). */
  problems: string[];
  /** Where the mock's answer came from. */
  responseFrom: 'recorded example' | 'document example' | 'output schema' | 'none';
}

export interface PackTestInput {
  pack: Pack;
  /** The pack's source document (its snapshot), for response examples. */
  document?: OpenApiDocument;
  examples?: ReadonlyMap<string, RecordedExample>;
}

export async function runPackTest(input: PackTestInput): Promise<ToolTestResult[]> {
  const { pack } = input;
  const mock = await MockUpstream.start();
  try {
    // A pack that leaves its base URL to the zones is tested at the mock's root.
    const baseUrls = pack.upstream.baseUrls ?? {};
    const upstreamBase = baseUrls.dev ?? baseUrls.staging ?? baseUrls.prod;
    const basePath = upstreamBase ? new URL(upstreamBase).pathname.replace(/\/+$/, '') : '';
    const testPack: Pack = structuredClone(pack);
    testPack.upstream.baseUrls = { dev: `${mock.url}${basePath}` };
    if (testPack.upstream.auth?.type === 'oauth2ClientCredentials')
      testPack.upstream.auth.tokenUrl = `${mock.url}${TOKEN_PATH}`;
    const executor = new PackExecutor([testPack], {
      environment: 'dev',
      secrets: () => TEST_SECRET,
      allowPrivateNetworks: true, // the mock listens on 127.0.0.1
    });
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    const documentAnswers = input.document
      ? answersFromDocument(pack, input.document)
      : new Map<string, unknown>();
    const results: ToolTestResult[] = [];
    for (const tool of testPack.tools) {
      results.push(
        await testTool(
          tool,
          testPack,
          basePath,
          executor,
          mock,
          ajv,
          input.examples?.get(tool.name),
          documentAnswers,
        ),
      );
    }
    return results;
  } finally {
    await mock.close();
  }
}

async function testTool(
  tool: Tool,
  pack: Pack,
  basePath: string,
  executor: PackExecutor,
  mock: MockUpstream,
  ajv: Ajv2020,
  recorded: RecordedExample | undefined,
  documentAnswers: ReadonlyMap<string, unknown>,
): Promise<ToolTestResult> {
  const problems: string[] = [];
  let args = recorded?.arguments ?? buildArgs(tool, 0);
  let validArgs = ajv.validate(tool.inputSchema, args);
  // A oneOf/anyOf branch may not satisfy the whole schema (exactly-one rules, siblings): try the next ones.
  for (let variant = 1; !validArgs && !recorded?.arguments && variant < 4; variant++) {
    const next = buildArgs(tool, variant);
    if (ajv.validate(tool.inputSchema, next)) {
      args = next;
      validArgs = true;
    }
  }
  if (!validArgs) ajv.validate(tool.inputSchema, args);
  if (!validArgs) {
    return {
      tool: tool.name,
      outcome: 'skip',
      problems: [
        `could not build valid arguments from the input schema (${ajv.errorsText(ajv.errors)}); record some in examples/${tool.name}.json`,
      ],
      responseFrom: 'none',
    };
  }
  let responseFrom: ToolTestResult['responseFrom'] = 'none';
  let body: unknown;
  let status = tool.http.successStatus?.[0] ?? 200;
  if (recorded?.response) {
    responseFrom = 'recorded example';
    body = recorded.response.body;
    status = recorded.response.status ?? 200;
  } else if (documentAnswers.has(tool.name)) {
    responseFrom = 'document example';
    body = documentAnswers.get(tool.name);
  } else if (tool.outputSchema) {
    responseFrom = 'output schema';
    body = sampleValue(tool.outputSchema, tool.outputSchema);
  } else body = {};
  mock.requests.length = 0;
  mock.respond = (req) =>
    req.url.startsWith(TOKEN_PATH)
      ? {
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            access_token: 'raku-pack-test-token',
            token_type: 'bearer',
            expires_in: 3600,
          }),
        }
      : { status, contentType: 'application/json', body: JSON.stringify(body) };

  const outcome = await executor.execute(exposedToolName(pack, tool), args);
  const calls = mock.requests.filter((r) => !r.url.startsWith(TOKEN_PATH));
  if (calls.length !== 1) problems.push(`expected 1 upstream request, got ${calls.length}`);
  const call = calls[0];
  if (call) problems.push(...checkRequest(tool, pack, basePath, args, call));
  if (outcome.status !== 'ok')
    problems.push(`the call failed (${outcome.status}): ${firstText(outcome.result.content) ?? ''}`);
  else if (tool.outputSchema && outcome.result.structuredContent !== undefined) {
    if (!ajv.validate(tool.outputSchema, outcome.result.structuredContent)) {
      problems.push(
        `the ${responseFrom} does not match outputSchema: ${ajv.errorsText(ajv.errors?.slice(0, 3))}`,
      );
    }
  }
  return { tool: tool.name, outcome: problems.length > 0 ? 'fail' : 'pass', problems, responseFrom };
}

function buildArgs(tool: Tool, variant: number): Record<string, unknown> {
  return sampleValue(tool.inputSchema, tool.inputSchema, { all: true, variant }) as Record<string, unknown>;
}

/** The request the upstream received, checked against the mapping, the static headers and the auth. */
function checkRequest(
  tool: Tool,
  pack: Pack,
  basePath: string,
  args: Record<string, unknown>,
  call: RecordedRequest,
): string[] {
  const problems: string[] = [];
  const want = expectedRequest(tool, args);
  const url = new URL(call.url, 'http://mock');
  if (call.method !== want.method) problems.push(`method ${call.method}, expected ${want.method}`);
  if (url.pathname !== `${basePath}${want.path}`)
    problems.push(`path ${url.pathname}, expected ${basePath}${want.path}`);
  const auth = pack.upstream.auth;
  const authQuery = auth?.type === 'apiKey' && auth.in === 'query' ? auth.name : undefined;
  const got = [...url.searchParams.entries()]
    .filter(([k]) => k !== authQuery)
    .map((p) => p.join('='))
    .sort();
  const expected = want.query.map((p) => p.join('=')).sort();
  if (canonicalJson(got) !== canonicalJson(expected))
    problems.push(`query ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  const headers = { ...lower(pack.upstream.headers ?? {}), ...want.headers };
  for (const [name, value] of Object.entries(headers)) {
    if (call.headers[name] !== value)
      problems.push(
        `header ${name}: ${JSON.stringify(call.headers[name] ?? null)}, expected ${JSON.stringify(value)}`,
      );
  }
  if (want.body === undefined) {
    if (call.body !== '') problems.push(`unexpected request body ${call.body.slice(0, 200)}`);
  } else {
    let sent: unknown;
    try {
      sent = typeof want.body === 'string' ? call.body : JSON.parse(call.body);
    } catch {
      sent = call.body;
    }
    if (canonicalJson(sent) !== canonicalJson(want.body))
      problems.push(`body ${call.body.slice(0, 200)}, expected ${JSON.stringify(want.body).slice(0, 200)}`);
  }
  const authProblem = checkAuth(pack, call, url);
  if (authProblem) problems.push(authProblem);
  return problems;
}

function checkAuth(pack: Pack, call: RecordedRequest, url: URL): string | undefined {
  const auth = pack.upstream.auth;
  if (!auth || auth.type === 'none') return undefined;
  const expected: Record<string, [string | null, string]> = {
    bearer: [call.headers['authorization'] ?? null, `Bearer ${TEST_SECRET}`],
    basic: [
      call.headers['authorization'] ?? null,
      `Basic ${Buffer.from(`${TEST_SECRET}:${TEST_SECRET}`).toString('base64')}`,
    ],
    oauth2ClientCredentials: [call.headers['authorization'] ?? null, 'Bearer raku-pack-test-token'],
    apiKey: [
      auth.in === 'query'
        ? url.searchParams.get(auth.name ?? '')
        : (call.headers[(auth.name ?? '').toLowerCase()] ?? null),
      TEST_SECRET,
    ],
  };
  const [got, want] = expected[auth.type] ?? [null, ''];
  return got === want
    ? undefined
    : `upstream auth (${auth.type}) missing or wrong: got ${JSON.stringify(got)}`;
}

/** The first 2xx JSON example of each imported operation, by tool name. */
function answersFromDocument(pack: Pack, doc: OpenApiDocument): Map<string, unknown> {
  const out = new Map<string, unknown>();
  let ops: ReturnType<typeof listOperations>;
  try {
    ops = listOperations(doc, documentFormat(doc, 'document'));
  } catch {
    return out;
  }
  const byKey = new Map(ops.map((o) => [`${o.method} ${o.path}`, o]));
  for (const imported of pack.source?.operations ?? []) {
    const op = byKey.get(`${imported.method.toUpperCase()} ${imported.path}`);
    const ok = op?.responses
      .filter((r) => /^2/.test(r.status))
      .sort((a, b) => (a.status < b.status ? -1 : 1))[0];
    const example = ok?.body?.content.find((c) => isJson(c.mediaType) && c.example !== undefined)?.example;
    if (example !== undefined) out.set(imported.tool, example);
  }
  return out;
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The results as text: one line per tool, problems indented, then the totals. */
export function formatPackTest(
  pack: Pick<Pack, 'name' | 'toolPrefix'>,
  results: readonly ToolTestResult[],
): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `${r.outcome === 'pass' ? 'ok  ' : r.outcome === 'fail' ? 'FAIL' : 'skip'} ${exposedToolName(pack, r.tool)}${r.responseFrom !== 'none' ? ` (answer: ${r.responseFrom})` : ''}`,
    );
    for (const p of r.problems) lines.push(`       ${p}`);
  }
  const count = (o: ToolTestResult['outcome']) => results.filter((r) => r.outcome === o).length;
  lines.push(`${pack.name}: ${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`);
  return `${lines.join('\n')}\n`;
}
