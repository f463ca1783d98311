import { setTimeout as sleep } from 'node:timers/promises';
import type { Money, SandboxTestToken } from '@mercato/contracts';
import { type AnySchema, connectDatabase, type Database, type Kysely, sql, uuidv7 } from '@mercato/kit';
import {
  type Authorization,
  type Declined,
  type PaymentProvider,
  ProviderRejectedError,
  ProviderUnavailableError,
} from './payment-provider.ts';

/** What each test token does (API.md): a card, a decline, or a provider that keeps failing. */
const TOKENS: Record<SandboxTestToken, { brand: string; last4: string } | { declined: string } | 'error'> = {
  tok_visa: { brand: 'visa', last4: '4242' },
  tok_mastercard: { brand: 'mastercard', last4: '4444' },
  tok_declined: { declined: 'card_declined' },
  tok_insufficient_funds: { declined: 'insufficient_funds' },
  tok_provider_error: 'error',
};

type Operation = 'authorize' | 'capture' | 'void' | 'refund';

/**
 * The default provider: answers after `MERCATO_SANDBOX_DELAY_MS` like a remote one, and keeps what
 * it did in its own table, `sandbox_provider_calls`, keyed by idempotency key — as a real provider
 * keeps its idempotency keys on its side. The table (not memory) is what makes the sandbox honest
 * about the failures the worker must survive: a payments process that dies after a call and is
 * restarted, or a second instance that retries the step, finds the key and gets the first outcome
 * without a second effect. It lives in payments' database only because the sandbox has no home of
 * its own; the worker never reads it, and it is written outside the worker's transactions.
 *
 * It also keeps a provider's rules: capture and void need a live authorization, refund needs a
 * capture, and one authorization is captured, voided or refunded at most once.
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox';
  readonly #database: Database<AnySchema>;
  readonly #delayMs: number;

  /** Its own small pool: a remote provider's work must not take connections the service's commands and records need. */
  constructor(databaseUrl: string, delayMs: number) {
    this.#database = connectDatabase<AnySchema>(databaseUrl, { max: 4, applicationName: 'payments-sandbox-provider' });
    this.#delayMs = delayMs;
  }

  async close(): Promise<void> {
    await this.#database.close();
  }

  async authorize(token: string, amount: Money, idempotencyKey: string, signal?: AbortSignal): Promise<Authorization | Declined> {
    await this.#answerTime(signal);
    const behaviour = TOKENS[token as SandboxTestToken];
    if (behaviour === 'error') throw new ProviderUnavailableError('sandbox provider error (tok_provider_error)');
    const outcome: Authorization | Declined = !behaviour
      ? { outcome: 'declined', detail: 'unknown_token' }
      : 'declined' in behaviour
        ? { outcome: 'declined', detail: behaviour.declined }
        : { outcome: 'authorized', providerRef: `sbx_auth_${uuidv7()}`, brand: behaviour.brand, last4: behaviour.last4 };
    const providerRef = outcome.outcome === 'authorized' ? outcome.providerRef : null;
    return (await this.#once(idempotencyKey, 'authorize', providerRef, amount.amount, outcome)) as Authorization | Declined;
  }

  async capture(providerRef: string, amount: Money, idempotencyKey: string, signal?: AbortSignal): Promise<void> {
    await this.#answerTime(signal);
    await this.#once(idempotencyKey, 'capture', providerRef, amount.amount, { outcome: 'captured' }, async (tx) => {
      const done = await this.#operationsOn(tx, providerRef);
      if (!done.has('authorize')) throw new ProviderRejectedError(`sandbox: no authorization ${providerRef}`);
      if (done.has('void')) throw new ProviderRejectedError(`sandbox: authorization ${providerRef} was voided`);
      if (done.has('capture')) throw new ProviderRejectedError(`sandbox: authorization ${providerRef} is already captured`);
    });
  }

  async void(providerRef: string, idempotencyKey: string, signal?: AbortSignal): Promise<void> {
    await this.#answerTime(signal);
    await this.#once(idempotencyKey, 'void', providerRef, null, { outcome: 'voided' }, async (tx) => {
      const done = await this.#operationsOn(tx, providerRef);
      if (!done.has('authorize')) throw new ProviderRejectedError(`sandbox: no authorization ${providerRef}`);
      if (done.has('capture')) throw new ProviderRejectedError(`sandbox: authorization ${providerRef} is captured; refund it`);
    });
  }

  async refund(providerRef: string, amount: Money, idempotencyKey: string, signal?: AbortSignal): Promise<void> {
    await this.#answerTime(signal);
    await this.#once(idempotencyKey, 'refund', providerRef, amount.amount, { outcome: 'refunded' }, async (tx) => {
      const done = await this.#operationsOn(tx, providerRef);
      if (!done.has('capture')) throw new ProviderRejectedError(`sandbox: nothing captured on ${providerRef}`);
      if (done.has('refund')) throw new ProviderRejectedError(`sandbox: ${providerRef} is already refunded`);
    });
  }

  async #answerTime(signal: AbortSignal | undefined): Promise<void> {
    if (this.#delayMs > 0) await sleep(this.#delayMs, undefined, { signal });
    signal?.throwIfAborted();
  }

  async #operationsOn(tx: Kysely<AnySchema>, providerRef: string): Promise<Set<string>> {
    const { rows } = await sql<{ operation: string }>`
      select operation from sandbox_provider_calls where provider_ref = ${providerRef}`.execute(tx);
    return new Set(rows.map((r) => r.operation));
  }

  /**
   * The idempotency key decides: a known key answers its first outcome (and refuses a key reused
   * for another operation); a new one checks the rules, then records the outcome. Two concurrent
   * calls with one key both end up with the row the first insert wrote.
   *
   * `synchronous_commit off`: the sandbox stands in for a remote system, so its writes should not
   * queue for WAL flushes with the service's own commits (measured: with 64 calls in flight they
   * slowed the intake of commands). A process crash loses nothing; a PostgreSQL crash can lose the
   * last fraction of a second of sandbox memory, which at worst lets a retried call act once more
   * in the sandbox — never in payments' own ledger, whose commits stay synchronous.
   */
  async #once(
    key: string,
    operation: Operation,
    providerRef: string | null,
    amount: number | null,
    outcome: object,
    rules?: (tx: Kysely<AnySchema>) => Promise<void>,
  ): Promise<unknown> {
    return this.#database.db.transaction().execute(async (tx) => {
      await sql`set local synchronous_commit to off`.execute(tx);
      const known = await this.#recorded(tx, key, operation);
      if (known) return known;
      await rules?.(tx);
      const { rows } = await sql<{ outcome: unknown }>`
        insert into sandbox_provider_calls (idempotency_key, operation, provider_ref, amount, outcome)
        values (${key}, ${operation}, ${providerRef}, ${amount}, ${JSON.stringify(outcome)}::jsonb)
        on conflict (idempotency_key) do nothing
        returning outcome`.execute(tx);
      return rows[0]?.outcome ?? (await this.#recorded(tx, key, operation));
    });
  }

  async #recorded(tx: Kysely<AnySchema>, key: string, operation: Operation): Promise<unknown> {
    const { rows } = await sql<{ operation: string; outcome: unknown }>`
      select operation, outcome from sandbox_provider_calls where idempotency_key = ${key}`.execute(tx);
    const row = rows[0];
    if (!row) return undefined;
    if (row.operation !== operation) throw new ProviderRejectedError(`sandbox: idempotency key ${key} was used for ${row.operation}`);
    return row.outcome;
  }
}
