/**
 * Sends a tool call along its route: candidates in order of preference (the zone's pack server, then
 * third-party fallbacks). A candidate is skipped when its breaker is open, its health check fails or (third
 * party) its live definition does not match the reviewed hash. Idempotent tools are retried on the same
 * target; the next candidate is tried after a failure only when the call cannot have run twice (idempotent
 * tool, or the target was never reached). When nothing is left the caller gets one error listing why.
 *
 * Only a TargetError is a failure of the target (counted by its breaker, retried, sent on to a fallback).
 * Whatever a target answered, a tool error included, is the call's outcome and ends the route; any other
 * exception is a fault of this one call and ends it too, as a tool error, leaving the breaker as it was. The
 * breaker is shared by every caller of the target, so one caller's arguments must never move it.
 */

import type { Span } from '@opentelemetry/api';
import type { CallToolResult } from '@raku/pack-runtime';
import semver from 'semver';
import { PACK_VERSION_META } from '../mcp/tool-endpoint.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import {
  answeredError,
  type Target,
  type TargetCallOptions,
  TargetError,
  UnsendableCallError,
} from './targets.ts';

export interface Candidate {
  target: Target;
  /** Tool name at the target. */
  tool: string;
  /** Route label for traces: 'pack:<pack>@<version>' or 'remote:<name>'. */
  route: string;
  /** The pack and version a pack server serves; absent for third-party servers. */
  pack?: { name: string; version: string };
}

/** The agent asked for a pack version in a way that cannot be honoured (not a range, or none matches). */
export class VersionRequestError extends Error {
  override readonly name = 'VersionRequestError';
}

/**
 * Why `requested` is no semver range ('<label> "x" is not a semver range …'), or undefined when it is one.
 * Shared by tools/call (`_meta`) and job submissions (`packVersion`), so both refuse the same input alike.
 */
export function versionRangeProblem(label: string, requested: string): string | undefined {
  return semver.validRange(requested) === null
    ? `${label} "${requested}" is not a semver range (e.g. "^1.2", "~1.0.3", "1.x")`
    : undefined;
}

/**
 * Orders a tool's candidates for one call. Pack servers come newest version first; third-party fallbacks keep
 * their place after them. With `requested` (a semver range from the call's `_meta`), only pack servers of a
 * version in the range remain, newest first: a third-party server is not the pack at any version, so it is no
 * fallback for such a call. Throws VersionRequestError for a malformed range or when no pack server matches.
 */
export function candidatesFor(
  tool: string,
  candidates: readonly Candidate[],
  requested: string | undefined,
): readonly Candidate[] {
  const packs = candidates.filter((c) => c.pack !== undefined);
  const newestFirst = (list: Candidate[]) =>
    list.sort((a, b) => semver.rcompare(a.pack!.version, b.pack!.version));
  if (requested === undefined) {
    if (packs.length < 2) return candidates;
    return [...newestFirst(packs), ...candidates.filter((c) => c.pack === undefined)];
  }
  const problem = versionRangeProblem(PACK_VERSION_META, requested);
  if (problem) throw new VersionRequestError(problem);
  const matching = packs.filter((c) => semver.satisfies(c.pack!.version, requested));
  if (matching.length === 0) {
    const served = [...new Set(packs.map((c) => `${c.pack!.name}@${c.pack!.version}`))];
    throw new VersionRequestError(
      `${tool}: no pack server of a version in "${requested}" (${served.length > 0 ? `this zone serves ${served.join(', ')}` : 'the tool comes from a third-party server, which has no pack version'})`,
    );
  }
  return newestFirst(matching);
}

export type Availability = { ok: true } | { ok: false; reason: string };

export interface RouterOptions {
  breaker: (targetId: string) => CircuitBreaker;
  /** Health and reviewed-hash checks; called before each attempt. */
  availability: (candidate: Candidate) => Availability | Promise<Availability>;
  /** Extra attempts on the same target for idempotent tools. Default 1. */
  retries?: number;
}

export interface RouteOutcome {
  result: CallToolResult;
  route: string;
  target: string;
  attempts: number;
}

/** No candidate could serve the call; `reasons` says why for each. */
export class NoRouteError extends Error {
  override readonly name = 'NoRouteError';
  constructor(
    readonly tool: string,
    readonly reasons: string[],
    readonly lastTarget: Candidate | undefined,
    readonly timedOut: boolean,
  ) {
    super(`no route left for ${tool}: ${reasons.join('; ') || 'the tool has no route'}`);
  }
}

export interface CallOptions {
  /** Exposed tool name (for messages). */
  tool: string;
  args: Record<string, unknown>;
  /** The tool may be sent twice without harm (annotations idempotentHint or readOnlyHint). */
  idempotent: boolean;
  signal: AbortSignal;
  timeoutMs: (candidate: Candidate) => number;
  /** The span of the request being served (tracing on): each attempt is traced under it. */
  parent?: Span;
  /** Told about the call's progress (TargetCallOptions.onProgress). */
  onProgress?: TargetCallOptions['onProgress'];
  /** Follow this A2A task instead of sending a message (TargetCallOptions.a2aTask). */
  a2aTask?: TargetCallOptions['a2aTask'];
}

export class Router {
  private readonly retries: number;

  constructor(private readonly options: RouterOptions) {
    this.retries = options.retries ?? 1;
  }

  async call(candidates: readonly Candidate[], call: CallOptions): Promise<RouteOutcome> {
    const reasons: string[] = [];
    let attempts = 0;
    let last: Candidate | undefined;
    let timedOut = false;
    for (const candidate of candidates) {
      const label = `${candidate.route} (${candidate.target.id})`;
      const available = await this.options.availability(candidate);
      if (!available.ok) {
        reasons.push(`${label} skipped: ${available.reason}`);
        continue;
      }
      const breaker = this.options.breaker(candidate.target.id);
      const tries = call.idempotent ? 1 + this.retries : 1;
      for (let i = 0; i < tries; i++) {
        if (call.signal.aborted)
          throw new NoRouteError(call.tool, [...reasons, 'the call was cancelled'], last, timedOut);
        if (!breaker.tryAcquire()) {
          reasons.push(`${label} skipped: circuit breaker open`);
          break;
        }
        attempts++;
        last = candidate;
        try {
          const result = await candidate.target.call(candidate.tool, call.args, {
            signal: call.signal,
            timeoutMs: call.timeoutMs(candidate),
            ...(call.parent ? { parent: call.parent } : {}),
            ...(call.onProgress ? { onProgress: call.onProgress } : {}),
            ...(call.a2aTask ? { a2aTask: call.a2aTask } : {}),
          });
          breaker.success();
          return { result, route: candidate.route, target: candidate.target.id, attempts };
        } catch (err) {
          if (!(err instanceof TargetError)) {
            // Not the target failing: the call could not be made. No verdict, no retry, no fallback.
            breaker.release();
            const message = String((err as Error)?.message ?? err);
            return {
              result: answeredError(message, err instanceof UnsendableCallError),
              route: candidate.route,
              target: candidate.target.id,
              attempts,
            };
          }
          breaker.failure();
          const failure = err;
          timedOut ||= failure.kind === 'timeout';
          reasons.push(`${label} failed: ${failure.message}`);
          if (!call.idempotent && failure.kind !== 'unreachable') {
            // The call may have run: sending it elsewhere could run it twice.
            throw new NoRouteError(
              call.tool,
              [...reasons, 'not retried elsewhere: the tool is not idempotent and may have run'],
              last,
              timedOut,
            );
          }
          if (failure.kind === 'unreachable') break;
        }
      }
    }
    throw new NoRouteError(call.tool, reasons, last, timedOut);
  }
}
