/**
 * The gateway's routes, built from the bundle: for each exposed tool, its candidates with their targets,
 * circuit breakers, health (pack servers' /readyz) and, for third-party servers, the reviewed-hash check
 * (tool-poisoning defence: a tool whose live definition hashes differently from the committed
 * `descriptionSha256` is hidden and reported, never called). The tools of an A2A pack are held to their
 * reviewed Agent Card the same way: one reviewed source per pack (`a2a:<pack>`), whose live hash is the
 * card's (agent-card-check.ts).
 */

import { toolContentHash } from '@raku/config';
import type { McpToolDefinition, PackExecutor, SecretSource } from '@raku/pack-runtime';
import type { BundleRemote, GatewayBundle, RouteTarget } from '@raku/render';
import type { Gauge } from 'prom-client';
import { type AgentCardSummary, readAgentCard } from './agent-card-check.ts';
import { type BreakerState, CircuitBreaker } from './circuit-breaker.ts';
import { PackServerTarget } from './pack-server-target.ts';
import type { Availability, Candidate } from './router.ts';
import { InProcessTarget, McpTarget, type Target, TargetError } from './targets.ts';

/** Budget of one read of an A2A agent's card. */
const CARD_TIMEOUT_MS = 5000;

/** How long after a failed definition check a remote is left alone before the next on-demand check. */
const REMOTE_RETRY_MS = 30_000;

/**
 * The two gauges the route table sets: the part of the process metrics (server/metrics.ts) it writes to,
 * declared here so routing does not import the server wiring above it.
 */
export interface RouteTableMetrics {
  /** Circuit breaker state per target: 0 closed, 1 half-open, 2 open. */
  breaker: Gauge<'target'>;
  /** Third-party tools hidden because their live definition differs from the reviewed hash. */
  poisoned: Gauge<'remote'>;
}

export interface RouteTableOptions {
  bundle: GatewayBundle;
  /** Local mode: pack tools run in this process instead of on pack servers. */
  inProcess?: PackExecutor;
  secrets: SecretSource;
  metrics?: RouteTableMetrics;
  /** Pack-server health check interval; 0 turns checks off. Default 10 000 ms. */
  healthIntervalMs?: number;
  /** How often third-party definitions are re-checked against the reviewed hashes. Default 300 000 ms. */
  remoteCheckIntervalMs?: number;
  breaker?: { failureThreshold?: number; openMs?: number; now?: () => number };
  log?: (message: string) => void;
  /** Told when `report()` changes: a breaker moves, a health check flips, a remote's tools are (re)checked. */
  onChange?: () => void;
}

/** A reviewed third-party tool whose live definition is not the one reviewed. */
export interface HiddenTool {
  remote: string;
  tool: string;
  expected: string;
  /** Hash of the live definition; null when the server does not list the tool. */
  actual: string | null;
}

interface RemoteState {
  remote: BundleRemote;
  target: Target | undefined;
  /** Reads the live hashes by tool name; default: the target's tools/list, hashed by toolContentHash. */
  read?: () => Promise<Map<string, { definition?: McpToolDefinition; hash: string }>>;
  /** Why the remote cannot be used at all (missing secret). */
  unusable?: string;
  /** Live definitions by tool name, with their hash; undefined until checked. */
  live?: Map<string, { definition?: McpToolDefinition; hash: string }>;
  error?: string;
  checking?: Promise<void>;
  /** When the last failed check ended: a down remote is not asked again on every call or listing. */
  failedAt?: number;
  /** When the last check (successful or not) ended: the console's catalog shows how fresh `live` is. */
  checkedAt?: Date;
  /** A2A packs: the live card as last read (names and versions only). */
  card?: AgentCardSummary;
}

/** What the route table knows of one third-party server's reviewed tools (the console's catalog shows it). */
export interface RemoteStatus {
  remote: string;
  url: string;
  /** When its definitions were last read (or the read failed); null before the first check. */
  checkedAt: Date | null;
  /** Why its definitions could not be read or it cannot be used at all; null when the last read worked. */
  error: string | null;
  /** Its definitions were read at least once (`live` below is from the last good read). */
  read: boolean;
  /**
   * The reviewed tools, with the hash of their live definition (null: not listed, or not read yet) and that
   * definition only when it hashes to the reviewed one (what agents are shown; never an unreviewed text).
   */
  tools: { tool: string; reviewed: string; live: string | null; definition: McpToolDefinition | null }[];
  /** A2A packs ('a2a:<pack>'): the live card's name, protocol versions and security scheme names. */
  card?: AgentCardSummary;
}

/**
 * The route table's key of an exposed tool: its name for a shared tool (as before tenancy), owning tenant and
 * name otherwise. A NUL cannot occur in a tenant or tool name, so the two kinds never collide.
 */
function routeKey(tool: string, tenant: string | undefined): string {
  return tenant === undefined ? tool : `${tenant}\0${tool}`;
}

/** The tool (and owning tenant, for a tenant's tool) a route key names, as the route report shows it. */
function routeOfKey(key: string): { tool: string; tenant?: string } {
  const nul = key.indexOf('\0');
  return nul < 0 ? { tool: key } : { tenant: key.slice(0, nul), tool: key.slice(nul + 1) };
}

export class RouteTable {
  private readonly routes = new Map<string, Candidate[]>();
  private readonly reviewed = new Map<Candidate, { remote: string; hash: string }>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly health = new Map<string, { healthy: boolean; detail: string }>();
  private readonly remotes = new Map<string, RemoteState>();
  private readonly packTargets = new Map<string, Target>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly log: (message: string) => void;

  constructor(private readonly options: RouteTableOptions) {
    this.log = options.log ?? (() => {});
    for (const remote of options.bundle.remotes) this.remotes.set(remote.name, this.remoteState(remote));
    for (const route of options.bundle.routes) {
      this.routes.set(
        routeKey(route.tool, route.tenant),
        route.targets.map((t) => this.candidate(route.tool, t)),
      );
    }
  }

  private remoteState(remote: BundleRemote): RemoteState {
    const headers: Record<string, string> = {};
    if (remote.auth.type !== 'none') {
      const value = remote.auth.secretEnv ? this.options.secrets(remote.auth.secretEnv) : undefined;
      if (!value) {
        return {
          remote,
          target: undefined,
          unusable: `its credential is not set (environment variable ${remote.auth.secretEnv ?? '(none named)'})`,
        };
      }
      headers[remote.auth.header.toLowerCase()] = remote.auth.type === 'bearer' ? `Bearer ${value}` : value;
    }
    return { remote, target: new McpTarget({ url: remote.url, headers, era: 'auto' }) };
  }

  private candidate(exposed: string, target: RouteTarget): Candidate {
    if (target.kind === 'pack') {
      const route = `pack:${target.pack}@${target.version}`;
      const inProcess = this.options.inProcess;
      const id = inProcess ? `in-process:${target.pack}` : target.url;
      let t = this.packTargets.get(id);
      if (!t) {
        t = inProcess ? new InProcessTarget(id, inProcess, target.pack) : new PackServerTarget(target.url);
        this.packTargets.set(id, t);
      }
      const candidate: Candidate = {
        target: t,
        tool: exposed,
        route,
        pack: { name: target.pack, version: target.version },
      };
      if (target.a2aCard) {
        const source = `a2a:${target.pack}`;
        this.cardState(source, target.a2aCard.url).tools.add(exposed);
        this.reviewed.set(candidate, { remote: source, hash: target.a2aCard.sha256 });
      }
      return candidate;
    }
    const state = this.remotes.get(target.remote);
    const placeholder: Target = {
      id: state?.remote.url ?? `remote:${target.remote}`,
      // Nothing can be sent to it: a target failure of the unreachable kind, so the route goes on.
      call: () => Promise.reject(new TargetError('unreachable', `remote ${target.remote} is not configured`)),
    };
    const candidate: Candidate = {
      target: state?.target ?? placeholder,
      tool: target.tool,
      route: `remote:${target.remote}`,
    };
    this.reviewed.set(candidate, { remote: target.remote, hash: target.descriptionSha256 });
    return candidate;
  }

  /** The reviewed source of an A2A pack's tools: its card, read from `url`, one hash for all its tools. */
  private cardState(name: string, url: string): RemoteState & { tools: Set<string> } {
    const known = this.remotes.get(name) as (RemoteState & { tools: Set<string> }) | undefined;
    if (known) return known;
    const tools = new Set<string>();
    const state: RemoteState & { tools: Set<string> } = {
      remote: { name, url, timeoutMs: CARD_TIMEOUT_MS, auth: { type: 'none' } },
      target: undefined,
      tools,
      read: async () => {
        const { sha256: hash, summary } = await readAgentCard(url, CARD_TIMEOUT_MS);
        state.card = summary;
        return new Map([...tools].map((tool) => [tool, { hash }]));
      },
    };
    this.remotes.set(name, state);
    return state;
  }

  /**
   * The route of an exposed tool: `tenant` is the tool's owning tenant (BundleTool.tenant), absent for a
   * shared tool. Two tenants' tools of one name have two routes.
   */
  candidates(tool: string, tenant?: string): readonly Candidate[] {
    return this.routes.get(routeKey(tool, tenant)) ?? [];
  }

  breaker(targetId: string): CircuitBreaker {
    let breaker = this.breakers.get(targetId);
    if (!breaker) {
      const gauge = this.options.metrics?.breaker;
      gauge?.set({ target: targetId }, 0);
      breaker = new CircuitBreaker({
        ...this.options.breaker,
        onChange: (state: BreakerState) => {
          gauge?.set({ target: targetId }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
          this.log(`circuit breaker of ${targetId} is now ${state}`);
          this.options.onChange?.();
        },
      });
      this.breakers.set(targetId, breaker);
    }
    return breaker;
  }

  async availability(candidate: Candidate): Promise<Availability> {
    const health = this.health.get(candidate.target.id);
    if (health && !health.healthy) return { ok: false, reason: `health check failed (${health.detail})` };
    const reviewed = this.reviewed.get(candidate);
    if (!reviewed) return { ok: true };
    const state = this.remotes.get(reviewed.remote);
    if (!state) return { ok: false, reason: `remote ${reviewed.remote} is not in the bundle` };
    if (state.unusable) return { ok: false, reason: state.unusable };
    if (!state.live && this.mayRetry(state)) await this.checkRemote(state);
    if (!state.live) return { ok: false, reason: `its tool definitions could not be read (${state.error})` };
    const live = state.live.get(candidate.tool);
    if (!live) return { ok: false, reason: `it does not list the tool "${candidate.tool}"` };
    if (live.hash !== reviewed.hash) {
      return {
        ok: false,
        reason: `the live definition of "${candidate.tool}" hashes to ${live.hash}, not the reviewed ${reviewed.hash}`,
      };
    }
    return { ok: true };
  }

  /** The live, verified definition of a tool exposed straight from a third-party server, if it verifies. */
  async remoteDefinition(
    remote: string,
    tool: string,
    reviewedHash: string,
  ): Promise<McpToolDefinition | undefined> {
    const state = this.remotes.get(remote);
    if (!state || state.unusable) return undefined;
    if (!state.live && this.mayRetry(state)) await this.checkRemote(state);
    const live = state.live?.get(tool);
    return live && live.hash === reviewedHash ? live.definition : undefined;
  }

  /**
   * True when the tool comes from an A2A pack, whose reviewed card `cardMatches` checks. Synchronous, so a
   * listing awaits nothing for the (far more common) tools without a card.
   */
  hasReviewedCard(tool: string, tenant?: string): boolean {
    const candidate = this.routes.get(routeKey(tool, tenant))?.[0];
    return candidate?.pack !== undefined && this.reviewed.has(candidate);
  }

  /**
   * False while a tool of an A2A pack is hidden: its agent's live card is not the reviewed one. `tenant`: the
   * tool's owning tenant, as for `candidates`.
   */
  async cardMatches(tool: string, tenant?: string): Promise<boolean> {
    const candidate = this.routes.get(routeKey(tool, tenant))?.[0];
    const reviewed = candidate && this.reviewed.get(candidate);
    if (!candidate?.pack || !reviewed) return true;
    const state = this.remotes.get(reviewed.remote);
    if (!state) return false;
    if (!state.live && this.mayRetry(state)) await this.checkRemote(state);
    // Fail closed, as for a third-party tool: a card that cannot be read hides the tools too.
    return state.live?.get(tool)?.hash === reviewed.hash;
  }

  private mayRetry(state: RemoteState): boolean {
    return state.failedAt === undefined || Date.now() - state.failedAt >= REMOTE_RETRY_MS;
  }

  /** Reads a remote's tools and indexes their content hashes. Concurrent callers share one check. */
  checkRemote(state: RemoteState): Promise<void> {
    state.checking ??= (async () => {
      try {
        state.live = state.read
          ? await state.read()
          : new Map(
              (await state.target!.listTools!()).map((t) => [
                t.name,
                { definition: t, hash: toolContentHash(t) },
              ]),
            );
        state.error = undefined;
        state.failedAt = undefined;
        state.checkedAt = new Date();
        const hidden = this.hiddenTools().filter((h) => h.remote === state.remote.name);
        this.options.metrics?.poisoned.set({ remote: state.remote.name }, hidden.length);
        for (const h of hidden) {
          this.log(
            `hiding ${h.remote}.${h.tool}: live definition ${h.actual ? `hashes to ${h.actual}` : 'is missing'}, reviewed ${h.expected}`,
          );
        }
        this.options.onChange?.();
      } catch (err) {
        state.error = (err as Error).message;
        state.failedAt = Date.now();
        state.checkedAt = new Date();
      } finally {
        state.checking = undefined;
      }
    })();
    return state.checking;
  }

  /** Reviewed third-party tools whose live definition differs (or is gone). Unchecked remotes are left out. */
  hiddenTools(): HiddenTool[] {
    const out: HiddenTool[] = [];
    const seen = new Set<string>();
    for (const [candidate, reviewed] of this.reviewed) {
      const key = `${reviewed.remote}\0${candidate.tool}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const live = this.remotes.get(reviewed.remote)?.live;
      if (!live) continue;
      const actual = live.get(candidate.tool)?.hash ?? null;
      if (actual !== reviewed.hash)
        out.push({ remote: reviewed.remote, tool: candidate.tool, expected: reviewed.hash, actual });
    }
    return out;
  }

  /**
   * Each third-party server's reviewed tools against their live definitions, as last read (never reads them:
   * the periodic check and calls do). A tool reviewed for several routes is listed once.
   */
  remoteStatus(): RemoteStatus[] {
    const reviewedBy = new Map<string, Map<string, string>>();
    for (const [candidate, reviewed] of this.reviewed) {
      const tools = reviewedBy.get(reviewed.remote) ?? new Map<string, string>();
      reviewedBy.set(reviewed.remote, tools);
      tools.set(candidate.tool, reviewed.hash);
    }
    return [...this.remotes.values()].map((state) => ({
      remote: state.remote.name,
      url: state.remote.url,
      checkedAt: state.checkedAt ?? null,
      error: state.unusable ?? state.error ?? null,
      read: state.live !== undefined,
      ...(state.card ? { card: state.card } : {}),
      tools: [...(reviewedBy.get(state.remote.name) ?? new Map<string, string>())]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([tool, reviewed]) => {
          const live = state.live?.get(tool);
          return {
            tool,
            reviewed,
            live: live?.hash ?? null,
            definition: live?.definition && live.hash === reviewed ? live.definition : null,
          };
        }),
    }));
  }

  /** Starts pack-server health checks and periodic third-party checks. */
  start(): void {
    const healthMs = this.options.healthIntervalMs ?? 10_000;
    if (healthMs > 0 && !this.options.inProcess) {
      const tick = () => void this.checkHealth();
      tick();
      this.timers.push(setInterval(tick, healthMs));
    }
    const remoteMs = this.options.remoteCheckIntervalMs ?? 300_000;
    const checkAll = () => {
      for (const state of this.remotes.values())
        if ((state.target || state.read) && !state.unusable) void this.checkRemote(state);
    };
    checkAll();
    if (remoteMs > 0) this.timers.push(setInterval(checkAll, remoteMs));
    for (const t of this.timers) t.unref();
  }

  async checkHealth(): Promise<void> {
    let changed = false;
    const set = (id: string, health: { healthy: boolean; detail: string }) => {
      const before = this.health.get(id);
      if (before?.healthy !== health.healthy || before.detail !== health.detail) changed = true;
      this.health.set(id, health);
    };
    await Promise.all(
      [...this.packTargets.values()].map(async (target) => {
        const url = target.id.replace(/\/mcp$/, '/readyz');
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
          await res.body?.cancel();
          set(target.id, { healthy: res.ok, detail: `/readyz answered ${res.status}` });
        } catch (err) {
          const code = (err as { cause?: { code?: string } }).cause?.code;
          set(target.id, { healthy: false, detail: code ?? (err as Error).message });
        }
      }),
    );
    if (changed) this.options.onChange?.();
  }

  /** The route table as the admin API shows it. */
  report(): unknown {
    return {
      zone: this.options.bundle.zone,
      revision: this.options.bundle.revision,
      routes: [...this.routes].map(([key, candidates]) => ({
        ...routeOfKey(key),
        targets: candidates.map((c) => ({
          route: c.route,
          target: c.target.id,
          tool: c.tool,
          breaker: this.breakers.get(c.target.id)?.state ?? 'closed',
          health: this.health.get(c.target.id) ?? { healthy: true, detail: 'not checked' },
        })),
      })),
      hiddenTools: this.hiddenTools(),
    };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await Promise.all([
      ...[...this.packTargets.values()].map((t) => t.close?.()),
      ...[...this.remotes.values()].map((s) => s.target?.close?.()),
    ]);
  }
}
