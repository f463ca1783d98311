import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from 'cockatiel';
import type { Logger } from '../logger.ts';
import { UpstreamUnavailableError } from './upstream-errors.ts';

export interface CircuitBreakerOptions {
  /**
   * Consecutive failed calls that open the circuit (default 5). Callers retry a broken connection
   * on another instance first, so a failure counted here means the service as a whole failed a call;
   * one or two in a row happen during a deploy or a GC pause, five in a row is an outage. At 100
   * calls a second that is 50 ms of failures before callers fail fast.
   */
  failureThreshold?: number;
  /**
   * How long an open circuit fails fast before one probe call may go through (default 5 s): about
   * the time a crashed instance takes to be restarted and re-register (heartbeat 2 s) or to be
   * evicted from the registry (TTL 6 s), short enough that users barely notice the pause.
   */
  halfOpenAfterMs?: number;
}

export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_HALF_OPEN_AFTER_MS = 5_000;

export type CircuitStateName = 'closed' | 'open' | 'half-open';

type BreakerLog = Pick<Logger, 'warn' | 'info'>;

/** A call's result that counts as a failure (a 5xx answer): passed through to the caller, counted by the breaker. */
class FailedResult {
  readonly value: unknown;
  constructor(value: unknown) {
    this.value = value;
  }
}

/** An error that is not the callee's fault (the caller gave up): passed through, not counted. */
class NotCounted {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

export interface RunOptions<T> {
  /** Whether a result counts as a failure although the call returned (e.g. a 5xx status). Default: never. */
  isFailure?: (result: T) => boolean;
  /** Whether a thrown error counts as a failure. Default: always. */
  countsAsFailure?: (error: unknown) => boolean;
}

/**
 * The circuit breaker of one target service (cockatiel underneath). Closed: calls run. Open: calls
 * fail fast with `UpstreamUnavailableError` and never touch the network. Half-open: exactly one probe
 * runs while every other call still fails fast; its success closes the circuit, its failure opens it again.
 */
export class ServiceBreaker {
  readonly service: string;
  readonly #policy: CircuitBreakerPolicy;
  readonly #halfOpenAfterMs: number;
  #openedAt = 0;

  constructor(service: string, options: CircuitBreakerOptions = {}, log?: BreakerLog) {
    this.service = service;
    this.#halfOpenAfterMs = options.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS;
    const threshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.#policy = circuitBreaker(
      handleWhen((error) => !(error instanceof NotCounted)).orWhenResult((result) => result instanceof FailedResult),
      { halfOpenAfter: this.#halfOpenAfterMs, breaker: new ConsecutiveBreaker(threshold) },
    );
    this.#policy.onBreak(() => {
      this.#openedAt = Date.now();
      log?.warn({ service, halfOpenAfterMs: this.#halfOpenAfterMs }, `circuit to ${service} opened: failing fast`);
    });
    this.#policy.onHalfOpen(() => log?.info({ service }, `circuit to ${service} half-open: probing`));
    this.#policy.onReset(() => log?.info({ service }, `circuit to ${service} closed`));
  }

  get state(): CircuitStateName {
    switch (this.#policy.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.HalfOpen:
        return 'half-open';
      default:
        return 'open';
    }
  }

  /** Seconds until an open circuit lets a probe through (at least 1, also while a probe is running). */
  retryAfterSeconds(): number {
    if (this.#policy.state !== CircuitState.Open) return 1;
    return Math.max(1, Math.ceil((this.#openedAt + this.#halfOpenAfterMs - Date.now()) / 1000));
  }

  /** Throws `UpstreamUnavailableError` when a call would be refused now (open and not yet due for a probe, or a probe running). */
  assertCallable(): void {
    const state = this.#policy.state;
    const dueForProbe = state === CircuitState.Open && Date.now() - this.#openedAt >= this.#halfOpenAfterMs;
    if (state === CircuitState.Closed || dueForProbe) return;
    throw new UpstreamUnavailableError(this.service, 'circuit_open', { retryAfterSeconds: this.retryAfterSeconds() });
  }

  /** Runs `fn` through the breaker; its result or error is returned or thrown unchanged. */
  async run<T>(fn: () => Promise<T>, options: RunOptions<T> = {}): Promise<T> {
    // cockatiel would queue the other callers behind the half-open probe; they fail fast instead.
    this.assertCallable();
    const { isFailure, countsAsFailure } = options;
    // A probe the caller gave up on proves nothing: it counts as a failure, so the circuit stays open a while longer.
    const probing = this.#policy.state !== CircuitState.Closed;
    try {
      const result = await this.#policy.execute(async () => {
        try {
          const value = await fn();
          return isFailure?.(value) ? new FailedResult(value) : value;
        } catch (error) {
          throw !probing && countsAsFailure && !countsAsFailure(error) ? new NotCounted(error) : error;
        }
      });
      return (result instanceof FailedResult ? result.value : result) as T;
    } catch (error) {
      if (error instanceof NotCounted) throw error.error;
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        throw new UpstreamUnavailableError(this.service, 'circuit_open', { retryAfterSeconds: this.retryAfterSeconds() });
      }
      throw error;
    }
  }
}

/** One breaker per target service, created on first use; share one instance among all callers of a process. */
export class CircuitBreakers {
  readonly #options: CircuitBreakerOptions;
  readonly #log: BreakerLog | undefined;
  readonly #byService = new Map<string, ServiceBreaker>();

  constructor(options: CircuitBreakerOptions = {}, log?: BreakerLog) {
    this.#options = options;
    this.#log = log;
  }

  for(service: string): ServiceBreaker {
    let breaker = this.#byService.get(service);
    if (!breaker) {
      breaker = new ServiceBreaker(service, this.#options, this.#log);
      this.#byService.set(service, breaker);
    }
    return breaker;
  }

  /** Every breaker created so far and its state (for /health or /metrics). */
  states(): Record<string, CircuitStateName> {
    return Object.fromEntries([...this.#byService].map(([service, breaker]) => [service, breaker.state]));
  }
}
