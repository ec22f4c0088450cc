/**
 * `raku pack test`: calls every tool of a pack through the real pack executor (gateway/pack-runtime/src) against a
 * mock upstream, and checks the HTTP request against the tool's mapping and the response against its output
 * schema. Answers come from recorded examples in the pack folder, else the source document's examples,
 * else values built from the output schema.
 */

import type { HttpTool, Pack, Tool } from '@raku/config';
import { canonicalJson, exposedToolName, isHttpTool } from '@raku/config';
import { documentFormat, isJson, listOperations, type OpenApiDocument } from '@raku/import';
import { firstText, PackExecutor, type ToolContent } from '@raku/pack-runtime';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { runA2aPackTest, skillExamples } from './a2a-pack-test.ts';
import { type ExpectedPart, type ExpectedRequest, expectedRequest } from './expected-request.ts';
import { MockUpstream, type RecordedRequest } from './mock-upstream.ts';
import { sampleFileBytes, sampleValue } from './sample-value.ts';
import { verifySigV4 } from './verify-sigv4.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
/** The value every referenced secret has during a pack test. */
export const TEST_SECRET = 'raku-pack-test-secret';
const TOKEN_PATH = '/__raku_pack_test_token';

/**
 * A recorded example (packs/<pack>/examples/<tool>.json): arguments to call with, the answer to give — a
 * JSON `body`, or bytes (`bodyBase64`) of a `contentType` such as application/pdf.
 */
export interface RecordedExample {
  arguments?: Record<string, unknown>;
  response?: { status?: number; body?: unknown; contentType?: string; bodyBase64?: string };
}

export interface ToolTestResult {
  tool: string;
  outcome: 'pass' | 'fail' | 'skip';
  /** What failed (or why it was skipped). */
  problems: string[];
  /**
   * Where the mock's answer came from; 'document media type': sample bytes of the non-JSON type the
   * source document gives for the operation (a PDF, an image); 'mock agent': an A2A tool answered with the mock
   * agent's own text.
   */
  responseFrom:
    | 'recorded example'
    | 'document example'
    | 'document media type'
    | 'output schema'
    | 'mock agent'
    | 'none';
  /** The arguments an A2A tool was called with (from a recorded example, the card's skill example or the schema). */
  arguments?: Record<string, unknown>;
}

export interface PackTestInput {
  pack: Pack;
  /** The pack's source document (its snapshot), for response examples. */
  document?: OpenApiDocument;
  examples?: ReadonlyMap<string, RecordedExample>;
  /** An A2A pack's reviewed Agent Card (its snapshot), for the skills' example questions. */
  agentCard?: unknown;
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
      : new Map<string, DocumentAnswer>();
    const results: ToolTestResult[] = [];
    for (const tool of testPack.tools.filter(isHttpTool)) {
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
    results.push(
      ...(await runA2aPackTest({
        pack,
        skillExamples: input.agentCard === undefined ? new Map() : skillExamples(input.agentCard),
        ...(input.examples ? { examples: input.examples } : {}),
        ajv,
        secret: TEST_SECRET,
        tokenPath: TOKEN_PATH,
        checkAuth: (p, headers, url) =>
          p.upstream.auth?.type === 'sigv4'
            ? undefined // the mock agent does not see the signed body; sigv4 is checked for HTTP tools only
            : checkAuth(
                p,
                { method: 'POST', url: url.pathname, headers, body: '', raw: Buffer.alloc(0) },
                url,
              ),
      })),
    );
    return results;
  } finally {
    await mock.close();
  }
}

async function testTool(
  tool: HttpTool,
  pack: Pack,
  basePath: string,
  executor: PackExecutor,
  mock: MockUpstream,
  ajv: Ajv2020,
  recorded: RecordedExample | undefined,
  documentAnswers: ReadonlyMap<string, DocumentAnswer>,
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
  /** A non-JSON answer: its media type and bytes. */
  let binary: { contentType: string; bytes: Buffer } | undefined;
  const fromDocument = documentAnswers.get(tool.name);
  if (recorded?.response) {
    responseFrom = 'recorded example';
    body = recorded.response.body;
    status = recorded.response.status ?? 200;
    if (recorded.response.bodyBase64 !== undefined) {
      binary = {
        contentType: recorded.response.contentType ?? 'application/octet-stream',
        bytes: Buffer.from(recorded.response.bodyBase64, 'base64'),
      };
    }
  } else if (fromDocument?.mediaType !== undefined) {
    responseFrom = 'document media type';
    binary = { contentType: fromDocument.mediaType, bytes: sampleFileBytes(fromDocument.mediaType) };
  } else if (fromDocument) {
    responseFrom = 'document example';
    body = fromDocument.example;
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
      : binary
        ? { status, contentType: binary.contentType, body: binary.bytes }
        : { status, contentType: 'application/json', body: JSON.stringify(body) };

  const outcome = await executor.execute(exposedToolName(pack, tool), args);
  const calls = mock.requests.filter((r) => !r.url.startsWith(TOKEN_PATH));
  if (calls.length !== 1) problems.push(`expected 1 upstream request, got ${calls.length}`);
  const call = calls[0];
  if (call) problems.push(...(await checkRequest(tool, pack, basePath, args, call)));
  if (outcome.status !== 'ok')
    problems.push(`the call failed (${outcome.status}): ${firstText(outcome.result.content) ?? ''}`);
  else if (binary) {
    const problem = checkBinaryResult(outcome.result.content, binary, pack, tool);
    if (problem) problems.push(problem);
  } else if (tool.outputSchema && outcome.result.structuredContent !== undefined) {
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
async function checkRequest(
  tool: HttpTool,
  pack: Pack,
  basePath: string,
  args: Record<string, unknown>,
  call: RecordedRequest,
): Promise<string[]> {
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
  if (want.form || want.parts || want.raw) problems.push(...(await checkEncodedBody(want, call)));
  else if (want.body === undefined) {
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
  if (auth.type === 'sigv4') {
    const problem = verifySigV4(call, auth, {
      accessKeyId: TEST_SECRET,
      secretAccessKey: TEST_SECRET,
      ...(auth.sessionToken ? { sessionToken: TEST_SECRET } : {}),
    });
    return problem && `upstream auth (sigv4): ${problem}`;
  }
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

/** What the source document says a tool answers: a JSON example, or a non-JSON media type (a PDF). */
interface DocumentAnswer {
  example?: unknown;
  mediaType?: string;
}

/**
 * Per tool, from its operation's first 2xx response: the first JSON example, or, when the response has no
 * JSON form, its first media type (a concrete one: not a wildcard).
 */
function answersFromDocument(pack: Pack, doc: OpenApiDocument): Map<string, DocumentAnswer> {
  const out = new Map<string, DocumentAnswer>();
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
    const content = ok?.body?.content ?? [];
    const example = content.find((c) => isJson(c.mediaType) && c.example !== undefined)?.example;
    const binary = content.find((c) => /^[\w.+-]+\/[\w.+-]+$/.test(c.mediaType));
    if (example !== undefined) out.set(imported.tool, { example });
    else if (binary && !content.some((c) => isJson(c.mediaType)) && !isText(binary.mediaType))
      out.set(imported.tool, { mediaType: binary.mediaType });
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

function isText(mediaType: string): boolean {
  return /^text\/|[/+](json|xml)$/i.test(mediaType);
}

/** A form, multipart or raw body compared with what the mapping says, by an independent parser. */
async function checkEncodedBody(want: ExpectedRequest, call: RecordedRequest): Promise<string[]> {
  const type = call.headers['content-type'] ?? '';
  if (want.form) {
    if (!type.startsWith('application/x-www-form-urlencoded'))
      return [`content-type ${JSON.stringify(type)}, expected application/x-www-form-urlencoded`];
    const got = [...new URLSearchParams(call.body)];
    return canonicalJson(got) === canonicalJson(want.form)
      ? []
      : [
          `form body ${JSON.stringify(got).slice(0, 200)}, expected ${JSON.stringify(want.form).slice(0, 200)}`,
        ];
  }
  if (want.raw) {
    const problems: string[] = [];
    if (type !== want.raw.contentType)
      problems.push(`content-type ${JSON.stringify(type)}, expected ${want.raw.contentType}`);
    if (!call.raw.equals(want.raw.bytes))
      problems.push(
        `body of ${call.raw.length} bytes differs from the ${want.raw.bytes.length} bytes expected`,
      );
    return problems;
  }
  if (!type.startsWith('multipart/form-data'))
    return [`content-type ${JSON.stringify(type)}, expected multipart/form-data`];
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(call.raw), { headers: { 'content-type': type } }).formData();
  } catch (err) {
    return [`the multipart body does not parse: ${(err as Error).message}`];
  }
  const got = await Promise.all(
    [...form].map(async ([name, value]) =>
      typeof value === 'string'
        ? { name, bytes: Buffer.from(value) }
        : {
            name,
            filename: value.name,
            contentType: value.type,
            bytes: Buffer.from(await value.arrayBuffer()),
          },
    ),
  );
  const show = (parts: readonly ExpectedPart[]) =>
    JSON.stringify(parts.map((p) => ({ ...p, bytes: p.bytes.toString('base64') })));
  return show(got) === show(want.parts ?? [])
    ? []
    : [`multipart parts ${show(got).slice(0, 300)}, expected ${show(want.parts ?? []).slice(0, 300)}`];
}

/** A binary answer must come back as MCP content of its kind holding the same bytes. */
function checkBinaryResult(
  content: readonly ToolContent[],
  answer: { contentType: string; bytes: Buffer },
  pack: Pack,
  tool: Tool,
): string | undefined {
  const type = answer.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const data = answer.bytes.toString('base64');
  const [block] = content;
  const want: ToolContent = type.startsWith('image/')
    ? { type: 'image', data, mimeType: type }
    : type.startsWith('audio/')
      ? { type: 'audio', data, mimeType: type }
      : {
          type: 'resource',
          resource: { uri: `raku://${pack.name}/${tool.name}/response`, mimeType: type, blob: data },
        };
  return content.length === 1 && canonicalJson(block) === canonicalJson(want)
    ? undefined
    : `a ${type} answer came back as ${JSON.stringify(content).slice(0, 200)}, expected ${want.type} content with the same bytes`;
}
