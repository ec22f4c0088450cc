/**
 * The A2A agents of the bundle in use (GET /v1/agents, the console's Agents view): each A2A pack with its
 * reviewed card (URL and hash), the live card as the route table last read it (name, protocol versions,
 * security scheme names: never a credential) and whether its tools are served, hidden because the card changed,
 * or hidden because it cannot be read; and its skills (the pack's tools). Pure: the caller passes which tools
 * the viewer may see ('all' for admins); card URLs and read errors are kept to admins, as the catalog keeps
 * third-party servers' addresses.
 */
import type { GatewayBundle } from '@raku/render';
import type { RemoteStatusView } from './types.ts';

/** reviewed: the live card hashes to the reviewed one; changed: it does not (tools hidden); unreachable: it
 * could not be read (tools hidden); unchecked: not read yet. */
export type AgentCardStatus = 'reviewed' | 'changed' | 'unreachable' | 'unchecked';

export interface AgentSkill {
  /** Exposed tool name (what agents and policies call it; the catalog's try-it takes it). */
  tool: string;
  skill: string;
  title: string | null;
  description: string;
}

export interface Agent {
  pack: string;
  version: string;
  /** Where the reviewed card is published; null for callers without the admin role. */
  cardUrl: string | null;
  reviewedSha256: string;
  liveSha256: string | null;
  status: AgentCardStatus;
  checkedAt: string | null;
  /** Why the card could not be read; null when it was, and always null for non-admins. */
  error: string | null;
  card: {
    name: string | null;
    protocolVersions: string[];
    securitySchemes: { name: string; kind: string }[];
  } | null;
  skills: AgentSkill[];
}

export interface Agents {
  zone: string;
  revision: string;
  agents: Agent[];
}

/** The card status from what the route table last read. Pure. */
export function cardStatus(reviewed: string, state: RemoteStatusView | undefined): AgentCardStatus {
  if (!state?.read) return state?.error ? 'unreachable' : 'unchecked';
  const live = state.tools.map((t) => t.live);
  return live.length > 0 && live.every((h) => h === reviewed) ? 'reviewed' : 'changed';
}

export function buildAgents(
  bundle: GatewayBundle,
  remotes: readonly RemoteStatusView[],
  visible: 'all' | ReadonlySet<string>,
): Agents {
  const admin = visible === 'all';
  const status = new Map(remotes.map((r) => [r.remote, r]));
  const agents = new Map<string, Agent>();
  for (const route of bundle.routes) {
    const target = route.targets[0];
    if (target?.kind !== 'pack' || !target.a2aCard || agents.has(target.pack)) continue;
    const state = status.get(`a2a:${target.pack}`);
    agents.set(target.pack, {
      pack: target.pack,
      version: target.version,
      cardUrl: admin ? target.a2aCard.url : null,
      reviewedSha256: target.a2aCard.sha256,
      liveSha256: state?.read ? (state.tools[0]?.live ?? null) : null,
      status: cardStatus(target.a2aCard.sha256, state),
      checkedAt: state?.checkedAt?.toISOString() ?? null,
      error: admin ? (state?.error ?? null) : null,
      card: state?.card ?? null,
      skills: [],
    });
  }
  for (const tool of bundle.tools) {
    const agent = tool.source.kind === 'pack' ? agents.get(tool.source.pack) : undefined;
    const skill = tool.definition?.a2a?.skill;
    if (!agent || skill === undefined || (!admin && !visible.has(tool.name))) continue;
    agent.skills.push({
      tool: tool.name,
      skill,
      title: tool.definition?.title ?? null,
      description: tool.definition?.description ?? '',
    });
  }
  return {
    zone: bundle.zone,
    revision: bundle.revision,
    agents: [...agents.values()]
      .filter((a) => admin || a.skills.length > 0)
      .sort((a, b) => (a.pack < b.pack ? -1 : a.pack > b.pack ? 1 : 0)),
  };
}
