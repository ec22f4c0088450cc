/**
 * An Agent Card → a pack whose upstream is the agent (upstream.a2a) and whose tools are its skills. Each tool
 * takes a `message` (the text part of the A2A message) and, when the skill accepts JSON, an optional `data`
 * object (a data part). The card's security scheme becomes upstream.auth with secret references to the
 * Kubernetes Secret `<pack>-a2a`; no value from the card is copied. Pure.
 */
import type { A2aProtocolVersion, A2aUpstream, JsonSchema, Pack, Tool, UpstreamAuth } from '@raku/config';
import { agentCardSha256, UserError } from '@raku/config';
import semver from 'semver';
import { contractDiff } from '../contract-diff.ts';
import { baseUrls } from '../upstream.ts';
import type { AgentCardSummary, CardInterface, CardScheme } from './agent-card.ts';

export interface A2aImportOptions {
  name: string;
  owner?: string;
  toolPrefix?: string;
  /** Where the card is published; recorded as upstream.a2a.cardUrl. Default: <interface origin>/.well-known/agent-card.json. */
  cardUrl?: string;
  /** The pack committed at the destination (re-import): its version, owner and hand-set fields are kept. */
  committed?: Pack;
}

export interface A2aImport {
  pack: Pack;
  /** The interface the pack calls. */
  chosen: CardInterface;
  warnings: string[];
}

const SUPPORTED_VERSIONS: readonly A2aProtocolVersion[] = ['1.0', '0.3'];
const SUPPORTED_BINDINGS = ['JSONRPC', 'HTTP+JSON'] as const;
const JSON_MODE = /^application\/(.+\+)?json$/i;

/** The pack for `summary` (the card read by readAgentCard; `card` is its JSON, for the hash). */
export function buildA2aPack(summary: AgentCardSummary, card: unknown, opts: A2aImportOptions): A2aImport {
  const warnings: string[] = [];
  const chosen = chooseInterface(summary.interfaces);
  const owner = opts.owner ?? opts.committed?.owner;
  if (!owner) throw new UserError(`--owner is required for a new pack (packs/${opts.name} has none)`);
  const auth = authFor(summary, opts.name, warnings);
  const a2a: A2aUpstream = {
    cardUrl: opts.cardUrl ?? `${new URL(chosen.url).origin}/.well-known/agent-card.json`,
    protocolVersion: chosen.protocolVersion as A2aProtocolVersion,
    cardSha256: agentCardSha256(card),
  };
  if (chosen.binding !== 'JSONRPC') a2a.transport = chosen.binding as A2aUpstream['transport'];
  if (summary.streaming) a2a.streaming = true;
  const tools = skillTools(summary, opts.committed);
  const pack: Pack = {
    name: opts.name,
    version: opts.committed?.version ?? '0.1.0',
    title: opts.committed?.title ?? summary.name.slice(0, 120),
    description: summary.description.slice(0, 4000),
    owner,
    ...(opts.toolPrefix ? { toolPrefix: opts.toolPrefix } : {}),
    upstream: {
      baseUrls: { ...baseUrls(chosen.url), ...opts.committed?.upstream.baseUrls },
      ...(auth ? { auth } : {}),
      ...(opts.committed?.upstream.timeoutMs ? { timeoutMs: opts.committed.upstream.timeoutMs } : {}),
      a2a,
    },
    tools,
  };
  if (!opts.toolPrefix && opts.committed?.toolPrefix) pack.toolPrefix = opts.committed.toolPrefix;
  if (opts.committed?.runtime) pack.runtime = opts.committed.runtime;
  if (opts.committed) {
    const bump = contractDiff(opts.committed, pack).bump;
    const next = bump === 'none' ? undefined : semver.inc(opts.committed.version, bump);
    if (next) pack.version = next;
  }
  return { pack, chosen, warnings };
}

/** The newest protocol version Raku speaks, JSON-RPC before HTTP+JSON; a UserError when none fits. */
export function chooseInterface(interfaces: readonly CardInterface[]): CardInterface {
  for (const version of SUPPORTED_VERSIONS) {
    for (const binding of SUPPORTED_BINDINGS) {
      const hit = interfaces.find((i) => i.protocolVersion === version && i.binding === binding);
      if (hit) return hit;
    }
  }
  const offered = interfaces.map((i) => `${i.binding} ${i.protocolVersion}`).join(', ');
  throw new UserError(
    `the agent offers no interface Raku can call (it offers ${offered}; Raku calls JSONRPC or HTTP+JSON, A2A 1.0 or 0.3)`,
  );
}

function skillTools(summary: AgentCardSummary, committed: Pack | undefined): Tool[] {
  const kept = new Map((committed?.tools ?? []).map((t) => [t.a2a?.skill, t]));
  const used = new Set<string>();
  return summary.skills.map((skill) => {
    let name = skill.id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
    for (let n = 2; used.has(name); n++) name = `${name.slice(0, 60)}_${n}`;
    used.add(name);
    const properties: Record<string, JsonSchema> = {
      message: {
        type: 'string',
        minLength: 1,
        description: `What to ask the agent's "${skill.name}" skill.`,
      },
    };
    if (skill.inputModes.some((m) => JSON_MODE.test(m))) {
      properties['data'] = {
        type: 'object',
        description: 'Structured input, sent as a data part of the message.',
      };
    }
    const examples = skill.examples.length > 0 ? `\n\nExamples: ${skill.examples.join('; ')}` : '';
    const tool: Tool = {
      name,
      title: skill.name.slice(0, 200),
      description: `${skill.description || skill.name}${examples}`.slice(0, 8000),
      inputSchema: { type: 'object', properties, required: ['message'], additionalProperties: false },
      a2a: { skill: skill.id },
      annotations: { openWorldHint: true },
    };
    const before = kept.get(skill.id);
    if (before?.annotations) tool.annotations = before.annotations;
    if (before?.sensitive !== undefined) tool.sensitive = before.sensitive;
    if (before?.timeoutMs !== undefined) tool.timeoutMs = before.timeoutMs;
    return tool;
  });
}

function authFor(summary: AgentCardSummary, pack: string, warnings: string[]): UpstreamAuth | undefined {
  const secret = (key: string) => ({ secretRef: { name: `${pack}-a2a`, key } });
  const wanted = summary.required.length > 0 ? summary.required : summary.schemes.map((s) => s.name);
  const schemes = wanted
    .map((n) => summary.schemes.find((s) => s.name === n))
    .filter((s): s is CardScheme => s !== undefined);
  for (const s of schemes) {
    const auth = toAuth(s, secret);
    if (auth) {
      const others = schemes.filter((o) => o !== s).map((o) => o.name);
      if (others.length > 0)
        warnings.push(`security schemes not used (one auth per pack): ${others.join(', ')}`);
      return auth;
    }
  }
  if (schemes.length > 0) {
    warnings.push(
      `the card's security schemes (${schemes.map((s) => `${s.name}: ${s.type}`).join(', ')}) have no Raku equivalent: set upstream.auth by hand`,
    );
  }
  return undefined;
}

function toAuth(
  s: CardScheme,
  secret: (key: string) => { secretRef: { name: string; key: string } },
): UpstreamAuth | undefined {
  if (s.type === 'http' && s.scheme === 'bearer') return { type: 'bearer', token: secret('token') };
  if (s.type === 'http' && s.scheme === 'basic') {
    return { type: 'basic', username: secret('username'), password: secret('password') };
  }
  if (s.type === 'apiKey' && (s.in === 'header' || s.in === 'query') && s.paramName) {
    return { type: 'apiKey', in: s.in, name: s.paramName, key: secret('api-key') };
  }
  if (s.type === 'oauth2' && s.tokenUrl) {
    return {
      type: 'oauth2ClientCredentials',
      tokenUrl: s.tokenUrl,
      clientId: secret('client-id'),
      clientSecret: secret('client-secret'),
      ...(s.scopes && s.scopes.length > 0 ? { scopes: s.scopes } : {}),
    };
  }
  return undefined;
}
