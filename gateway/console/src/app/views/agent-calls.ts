/**
 * The Agents view's pure pieces: which tools are A2A skills, the A2A note a call's result carries
 * (`_meta["dev.raku/a2a"]`: task id, context id, task state) and the recent calls of several tools as one list.
 */
import type { Schema } from '@raku/client';
import type { Trace } from './trace-filters.ts';

export type Agents = Schema<'Agents'>;
export type Agent = Agents['agents'][number];

/** What an A2A call's result says of the agent's task; null when the result carries no note. */
export interface A2aNote {
  taskId: string | null;
  contextId: string | null;
  state: string | null;
}

/** Exposed tool name → its agent (pack) and skill id. */
export function skillIndex(agents: readonly Agent[]): Map<string, { pack: string; skill: string }> {
  const index = new Map<string, { pack: string; skill: string }>();
  for (const agent of agents)
    for (const s of agent.skills) index.set(s.tool, { pack: agent.pack, skill: s.skill });
  return index;
}

/** The `dev.raku/a2a` note of a (redacted) trace result; strings only, anything else is left out. */
export function a2aNote(result: unknown): A2aNote | null {
  const meta = (result as { _meta?: Record<string, unknown> } | null | undefined)?._meta;
  const note = meta?.['dev.raku/a2a'];
  if (!note || typeof note !== 'object') return null;
  const field = (name: string) => {
    const v = (note as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : null;
  };
  return { taskId: field('taskId'), contextId: field('contextId'), state: field('state') };
}

/** Calls of several lists once each (by id), newest first, at most `limit`. */
export function mergeCalls(lists: readonly (readonly Trace[])[], limit: number): Trace[] {
  const byId = new Map<string, Trace>();
  for (const list of lists) for (const t of list) if (!byId.has(t.id)) byId.set(t.id, t);
  return [...byId.values()]
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1))
    .slice(0, limit);
}

/** The words for a card status: what the reader should understand without knowing the hash check. */
export function cardStatusText(agent: Pick<Agent, 'status'>): { badge: string; text: string } {
  switch (agent.status) {
    case 'reviewed':
      return { badge: 'ok', text: 'card as reviewed: skills served' };
    case 'changed':
      return { badge: 'drift', text: 'card changed since review: skills hidden' };
    case 'unreachable':
      return { badge: 'down', text: 'card unreachable: skills hidden' };
    default:
      return { badge: 'pending', text: 'card not read yet' };
  }
}
