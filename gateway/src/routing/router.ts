/**
 * Sends a tool call along its route: candidates in order of preference (the zone's pack server, then
 * third-party fallbacks). A candidate is skipped when its breaker is open, its health check fails or (third
 * party) its live definition does not match the reviewed hash. Idempotent tools are retried on the same
 * target; the next candidate is tried after a failure only when the call cannot have run twice (idempotent
 * tool, or the target was never reached). When nothing is left the caller gets one error listing why.
 */
import type { CallToolResult } from '../pack/pack-executor.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { type Target, TargetError } from './targets.ts';

export interface Candidate {
  target: Target;
  /** Tool name at the target. */
  tool: string;
  /** Route label for traces: 'pack:<pack>@<version>' or 'remote:<name>'. */
  route: string;
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
          });
          breaker.success();
          return { result, route: candidate.route, target: candidate.target.id, attempts };
        } catch (err) {
          breaker.failure();
          const failure =
            err instanceof TargetError
              ? err
              : new TargetError('failed', String((err as Error)?.message ?? err));
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
