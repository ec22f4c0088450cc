/**
 * A circuit breaker per route target, shared by every caller of the target. Closed: calls pass;
 * `failureThreshold` consecutive failures open it. Only target failures count (see TargetError): a caller's
 * bad call must never open a breaker every other caller depends on.
 * Open: the target is skipped until `openMs` passed. Half-open: one trial call passes; success closes the
 * breaker, failure opens it again. Time comes from the injected clock so tests need no waiting.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. Default 3. */
  failureThreshold?: number;
  /** How long an open breaker skips the target before a trial call. Default 30 000 ms. */
  openMs?: number;
  now?: () => number;
  /** Called on every state change (metrics, logs). */
  onChange?: (state: BreakerState) => void;
}

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private current: BreakerState = 'closed';
  private trialInFlight = false;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions = {}) {
    this.threshold = options.failureThreshold ?? 3;
    this.openMs = options.openMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.openMs) this.set('half-open');
    return this.current;
  }

  /** Whether a call may go to the target now; in half-open state only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
    if (this.current !== 'closed') this.set('closed');
  }

  /**
   * The attempt said nothing about the target: the call could not be made (its arguments cannot be sent) or
   * failed before it left. Frees a half-open trial without a verdict; the failure count stays as it was.
   */
  release(): void {
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.threshold) {
      this.openedAt = this.now();
      this.set('open');
    }
  }

  private set(state: BreakerState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onChange?.(state);
  }
}
