import { type AnySchema, type Kysely, sql, transaction } from '@mercato/kit';

export interface PaymentHistory {
  /** One per order of the history, for the orders `00000000-0000-4000-8000-<i, 12 digits>`. */
  intents: number;
  /**
   * The newest `waiting` intents are authorized and wait for the saga's capture; the `due` before them
   * owe a capture now (the worker's to claim). Without it, every intent of the history has settled.
   */
  inFlight?: { waiting: number; due: number };
}

/** The order id of the history's `i`th intent (1-based). */
export const historyOrderId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/**
 * A payment history in the payments database (issue 9), in one transaction: intents ~80 s apart, the
 * newest an hour old, captured but for the odd declined and voided one; their ledger rows (the
 * authorization and its capture or void: about two per intent) and the sandbox provider's calls,
 * keyed as the worker keys them. The query-plan tests and the checkout bench's `--history` share it;
 * the caller runs `vacuum analyze`. Skipping the foreign key checks needs a superuser.
 */
export async function seedPaymentHistory(db: Kysely<AnySchema>, history: PaymentHistory): Promise<void> {
  const n = history.intents;
  const { waiting = 0, due = 0 } = history.inFlight ?? {};
  await transaction(db, async (tx) => {
    // The rows are consistent by construction: skip the foreign key checks of the ledger rows (seconds).
    await sql`set local session_replication_role = replica`.execute(tx);
    await sql`
      insert into payment_intents (order_id, payment_id, status, target, amount, currency, provider, provider_ref, brand, last4,
                                   failure_reason, failure_detail, next_operation, next_attempt_at, created_at, updated_at)
      select '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), md5('payment' || i)::uuid, status,
        case when status = 'declined' then 'authorized' when status = 'voided' then 'voided'
             when i > ${n - waiting} then 'authorized' else 'captured' end,
        1500 + i % 5000, 'USD', 'sandbox', case when status <> 'declined' then 'sbx_auth_' || md5('ref' || i) end,
        case when status <> 'declined' then 'visa' end, case when status <> 'declined' then '4242' end,
        case when status = 'declined' then 'payment_declined' end, case when status = 'declined' then 'card_declined' end,
        case when i > ${n - waiting - due} and i <= ${n - waiting} then 'capture' end,
        case when i > ${n - waiting - due} and i <= ${n - waiting} then now() - interval '2 seconds' else at end,
        at, at
      from (select i, now() - (${n} - i) * interval '80 seconds' - interval '1 hour' as at,
              case when i > ${n - waiting - due} then 'authorized'
                   when i % 50 = 0 then 'declined' when i % 50 = 1 then 'voided' else 'captured' end as status
            from generate_series(1, ${n}) i) history`.execute(tx);
    await sql`
      insert into payment_ledger (order_id, kind, amount, currency, provider_ref, at)
      select order_id, kind, amount, currency, provider_ref, created_at
      from payment_intents, unnest(case status when 'captured' then array['authorization', 'capture']
                                               when 'voided' then array['authorization', 'void']
                                               when 'authorized' then array['authorization'] end) kind
      order by created_at, kind`.execute(tx);
    await sql`
      insert into sandbox_provider_calls (idempotency_key, operation, provider_ref, amount, outcome, created_at)
      select 'payments:' || order_id || ':' || operation, operation, provider_ref, amount,
             case operation when 'authorize' then jsonb_build_object('outcome', 'authorized', 'providerRef', provider_ref, 'brand', 'visa', 'last4', '4242')
                            when 'capture' then '{"outcome":"captured"}' else '{"outcome":"voided"}' end, at
      from (select order_id, case kind when 'authorization' then 'authorize' else kind end as operation, provider_ref, amount, at
            from payment_ledger) calls`.execute(tx);
  });
}
