/**
 * Executes the tools of packs: validates arguments against the tool's input schema, builds the upstream
 * request from the tool's mapping, adds upstream credentials from secrets, sends it within the pack's limits
 * and turns the answer into an MCP tool result. A tool of an A2A pack (upstream.a2a) is sent as an A2A
 * message to the agent instead (a2a-call.ts), under the same limits and credentials. Used by the pack-server role and, in-process, by local mode.
 */

import type { Span } from '@opentelemetry/api';
import type { Environment, HttpTool, Pack, Tool } from '@raku/config';
import { exposedToolName, isHttpTool } from '@raku/config';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { A2A_FOLLOW_TIMEOUT_MS, A2A_META, callA2aSkill } from './a2a-call.ts';
import type { A2aProgressListener } from './a2a-events.ts';
import { buildUpstreamRequest, RequestBuildError } from './build-request.ts';
import { binaryContent, bodyForMessage, responseUri, type ToolContent } from './response-content.ts';
import { MissingSecretError, type SecretSource, UpstreamAuthenticator } from './upstream-auth.ts';
import {
  parseUpstreamJson,
  sendUpstream,
  UpstreamError,
  type UpstreamLimits,
  type UpstreamResponse,
} from './upstream-http.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** `_meta` key of a tool result carrying the call status ('invalid', 'timeout') from pack server to gateway. */
export const STATUS_META = 'dev.raku/status';

/** Default per-call budget when neither the tool nor the pack sets one. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default response size cap when the pack sets none: 1 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** A tool as MCP lists it. */
export interface McpToolDefinition {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

/** An MCP tools/call result. */
export interface CallToolResult {
  content: ToolContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  [key: string]: unknown;
}

/** How a call ended: 'invalid' arguments never reach the upstream; 'timeout' is kept apart for traces. */
export type CallStatus = 'ok' | 'error' | 'invalid' | 'timeout';

export interface ToolOutcome {
  result: CallToolResult;
  status: CallStatus;
  /** HTTP status the upstream answered with, when it answered. */
  upstreamStatus?: number;
}

/** The tool does not exist in these packs. */
export class UnknownToolError extends Error {
  override readonly name = 'UnknownToolError';
}

/** What a call may carry beyond its arguments, for a tool of an A2A pack (ignored by HTTP tools). */
export interface CallExtras {
  /** Told about each status update of the agent's task (the pack server sends them as MCP progress). */
  onProgress?: A2aProgressListener;
  /**
   * Follow this task of the agent to its end, within A2A_FOLLOW_TIMEOUT_MS, instead of sending a message: a
   * Raku job taking over a task that outlived its call.
   */
  a2aTask?: { taskId: string };
  /**
   * The pack whose tool is called, for an executor holding packs that expose one name (local mode runs every
   * tenant's packs in one process: see PackExecutorOptions.sameNamesAcrossPacks). Absent: by name alone.
   */
  pack?: string;
}

export interface PackExecutorOptions {
  /** Selects `upstream.baseUrls[environment]` (a zone's baseUrl is already in place: see packInZone). */
  environment: Environment;
  /** Where upstream secrets come from (the environment, in production). */
  secrets: SecretSource;
  /**
   * Allow private, loopback and link-local upstream addresses. Default false: only a zone with
   * `network.allowPrivateNetworks` (dev only) turns it on. Security: this is the SSRF guard's off switch.
   */
  allowPrivateNetworks?: boolean;
  /**
   * Let packs expose the same names (two tenants' packs, both with toolPrefix 'crm'); calls then name their
   * pack (CallExtras.pack). Default false: a pack server serves distinct names, and a clash is a startup error.
   */
  sameNamesAcrossPacks?: boolean;
}

interface Entry {
  name: string;
  pack: Pack;
  tool: Tool;
  baseUrl: string;
  auth: UpstreamAuthenticator;
  origins: ReadonlySet<string>;
  validate?: ValidateFunction;
}

export function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

export class PackExecutor {
  private readonly entries = new Map<string, Entry>();
  /** Every entry by pack and name ('<pack> <name>'), for calls that name their pack. */
  private readonly packEntries = new Map<string, Entry>();
  private readonly ajv: Ajv2020;
  private readonly definitions: McpToolDefinition[];

  constructor(
    packs: readonly Pack[],
    private readonly options: PackExecutorOptions,
  ) {
    this.ajv = addFormats(new Ajv2020({ strict: false, allErrors: true, useDefaults: false }));
    for (const pack of packs) {
      const baseUrl = pack.upstream.baseUrls?.[options.environment];
      if (!baseUrl) {
        throw new Error(
          `pack "${pack.name}" has no upstream.baseUrls.${options.environment} (nor a baseUrl from its zone)`,
        );
      }
      const auth = new UpstreamAuthenticator(pack.upstream.auth, options.secrets);
      const origins = new Set([new URL(baseUrl).origin, ...auth.origins()]);
      for (const tool of pack.tools) {
        const name = exposedToolName(pack, tool);
        const entry = { name, pack, tool, baseUrl, auth, origins };
        if (this.entries.has(name) && options.sameNamesAcrossPacks !== true)
          throw new Error(`tool ${name} is defined twice`);
        if (!this.entries.has(name)) this.entries.set(name, entry);
        this.packEntries.set(`${pack.name} ${name}`, entry);
      }
    }
    this.definitions = [...this.entries.values()]
      .map((e) => toDefinition(e.name, e.tool))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every tool, sorted by exposed name. */
  tools(): readonly McpToolDefinition[] {
    return this.definitions;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * Runs one call. Invalid arguments and timeouts carry their status in the result's `_meta` under
   * STATUS_META, so the gateway can trace them as such across the MCP hop. `parent` is the OpenTelemetry span
   * of the request being served (tracing on): the upstream requests are traced under it and carry its trace.
   *
   * Throws only UnknownToolError. Everything else is the call's own outcome, answered as a tool error: the
   * caller's input ('invalid': schema, or a value the request cannot carry), the upstream's answer or failure,
   * and any other fault met executing this one call ('error'). So no input can make a pack server answer a
   * protocol-level internal error, which the gateway would have to take for a failing server.
   */
  async execute(
    name: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
    parent?: Span,
    extras: CallExtras = {},
  ): Promise<ToolOutcome> {
    let outcome: ToolOutcome;
    try {
      outcome = await this.run(name, args, signal, parent, extras);
    } catch (err) {
      if (err instanceof UnknownToolError) throw err;
      outcome = { status: 'error', result: errorResult(`${name} failed: ${(err as Error)?.message ?? err}`) };
    }
    if (outcome.status === 'invalid' || outcome.status === 'timeout') {
      outcome.result._meta = {
        ...(outcome.result._meta as object | undefined),
        [STATUS_META]: outcome.status,
      };
    }
    return outcome;
  }

  private async run(
    name: string,
    args: Record<string, unknown>,
    signal: AbortSignal | undefined,
    parent: Span | undefined,
    extras: CallExtras,
  ): Promise<ToolOutcome> {
    const entry =
      extras.pack === undefined ? this.entries.get(name) : this.packEntries.get(`${extras.pack} ${name}`);
    if (!entry) throw new UnknownToolError(`unknown tool "${name}"`);
    entry.validate ??= this.ajv.compile(entry.tool.inputSchema);
    if (!entry.validate(args)) {
      const problems = (entry.validate.errors ?? [])
        .slice(0, 10)
        .map((e) => `${e.instancePath || '(arguments)'} ${e.message ?? 'is invalid'}${paramsNote(e.params)}`);
      return {
        status: 'invalid',
        result: errorResult(`invalid arguments for ${name}: ${problems.join('; ')}`),
      };
    }
    const limits: UpstreamLimits = {
      allowedOrigins: entry.origins,
      allowPrivateNetworks: this.options.allowPrivateNetworks === true,
      timeoutMs: entry.tool.timeoutMs ?? entry.pack.upstream.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes: entry.pack.upstream.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      ...(signal ? { signal } : {}),
      ...(parent ? { parent } : {}),
    };
    if (entry.tool.a2a && entry.pack.upstream.a2a) {
      const a2a = await callA2aSkill(
        {
          a2a: entry.pack.upstream.a2a,
          tool: entry.tool,
          url: entry.baseUrl,
          auth: entry.auth,
          limits: extras.a2aTask ? { ...limits, timeoutMs: A2A_FOLLOW_TIMEOUT_MS } : limits,
          ...(entry.pack.upstream.headers ? { headers: entry.pack.upstream.headers } : {}),
          ...(extras.onProgress ? { onProgress: extras.onProgress } : {}),
          ...(extras.a2aTask ? { follow: extras.a2aTask } : {}),
        },
        args,
      );
      const result: CallToolResult = { content: a2a.content };
      if (a2a.status !== 'ok') result.isError = true;
      if (a2a.structuredContent) result.structuredContent = a2a.structuredContent;
      if (a2a.meta) result._meta = { [A2A_META]: a2a.meta };
      return { status: a2a.status, result };
    }
    const tool = entry.tool;
    if (!isHttpTool(tool)) {
      return { status: 'error', result: errorResult(`${name} has neither an HTTP request nor an A2A skill`) };
    }
    let response: UpstreamResponse;
    try {
      const request = buildUpstreamRequest(tool, args, entry.baseUrl, entry.pack.upstream.headers);
      await entry.auth.apply(request, limits);
      response = await sendUpstream(request, limits);
    } catch (err) {
      if (err instanceof RequestBuildError) {
        return { status: 'invalid', result: errorResult(`invalid arguments for ${name}: ${err.message}`) };
      }
      if (err instanceof MissingSecretError) return { status: 'error', result: errorResult(err.message) };
      if (err instanceof UpstreamError) {
        return { status: err.kind === 'timeout' ? 'timeout' : 'error', result: errorResult(err.message) };
      }
      throw err;
    }
    return toOutcome(entry, tool, response);
  }
}

function paramsNote(params: Record<string, unknown>): string {
  if (typeof params['additionalProperty'] === 'string') return ` ("${params['additionalProperty']}")`;
  if (Array.isArray(params['allowedValues'])) return ` (${params['allowedValues'].join(', ')})`;
  return '';
}

function toDefinition(name: string, tool: Tool): McpToolDefinition {
  const def: McpToolDefinition = { name, description: tool.description, inputSchema: tool.inputSchema };
  if (tool.title) def.title = tool.title;
  if (tool.outputSchema) def.outputSchema = tool.outputSchema;
  if (tool.annotations) def.annotations = { ...tool.annotations };
  return def;
}

const SNIPPET = 2000;

function toOutcome(entry: Entry, tool: HttpTool, response: UpstreamResponse): ToolOutcome {
  const type = String(response.headers['content-type'] ?? '');
  const ok = tool.http.successStatus
    ? tool.http.successStatus.includes(response.status)
    : response.status >= 200 && response.status < 300;
  if (!ok) {
    const text = bodyForMessage(response.body, type);
    const shown = text.length > SNIPPET ? `${text.slice(0, SNIPPET)}…` : text;
    return {
      status: 'error',
      upstreamStatus: response.status,
      result: errorResult(
        `upstream answered ${response.status} ${response.statusText} for ${tool.http.method} ${response.url.pathname}${shown ? `: ${shown}` : ''}`,
      ),
    };
  }
  const binary = binaryContent(response.body, type, responseUri(entry.pack.name, tool.name));
  if (binary) return { status: 'ok', upstreamStatus: response.status, result: { content: [binary] } };
  const text = response.body.toString('utf8');
  const result: CallToolResult = { content: [{ type: 'text', text }] };
  if (text !== '' && /[/+]json\b/i.test(type)) {
    // Not JSON after all (syntax): the text alone is the result. Nested past the JSON bounds: refused.
    const parsed = parseUpstreamJson(response.body);
    if (parsed.ok) result.structuredContent = structured(parsed.value);
    else if (parsed.reason === 'depth') {
      return { status: 'error', upstreamStatus: response.status, result: errorResult(parsed.message) };
    }
  }
  return { status: 'ok', upstreamStatus: response.status, result };
}

/** structuredContent must be an object: arrays become { items }, scalars { value }. */
function structured(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) return { items: value };
  if (value !== null && typeof value === 'object') return value as Record<string, unknown>;
  return { value };
}
