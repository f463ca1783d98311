import {
  CONTROL_PATHS,
  type ControlEvent,
  type ControlEventsResponse,
  GATEWAY_OPS_CLIENT,
  type ScalingStateResponse,
} from '@mercato/contracts';
import type { Logger } from '@mercato/kit';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { type Dispatcher, request } from 'undici';
import type { OpsEventRecorder } from './ops-events.ts';

/** One call to the control loop: it answers from memory, so 2 s means it is down or stuck, and an ops round must not wait longer. */
const CONTROL_TIMEOUT_MS = 2_000;
/**
 * The largest answer read: 500 events (the contract's page) of a few hundred bytes each, or the
 * scaling state of a dozen services with a forecast point per 5 s over 5 minutes, is well under
 * 1 MiB; anything bigger is not the contract, and is not held in memory to find that out.
 */
const MAX_ANSWER_BYTES = 1024 * 1024;

const MERCATO_CONTROL_URL_HINT = 'is MERCATO_CONTROL_URL right, and is the control loop running?';

const KINDS = ['restarted', 'crash_loop', 'scaled_up', 'scaled_down', 'anomaly', 'alert_firing', 'alert_resolved', 'replayed'] as const;
// Bounds on every string and list, so a confused control loop cannot fill the gateway's memory or the console.
const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const Count = Type.Integer({ minimum: 0, maximum: 10_000 });
const Instant = Type.String({ format: 'date-time', maxLength: 40 });

const ControlEventSchema = Type.Object({
  seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  id: Text(100),
  at: Instant,
  kind: Type.Union(KINDS.map((kind) => Type.Literal(kind))),
  service: Text(100),
  detail: Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 2_000 }), Type.Number(), Type.Boolean(), Type.Null()]), {
    maxProperties: 50,
  }),
});
const EventsAnswer = Compile(Type.Object({ items: Type.Array(ControlEventSchema, { maxItems: 500 }) }));

const ScalingAnswer = Compile(
  Type.Object({
    autoscaling: Type.Boolean(),
    services: Type.Array(
      Type.Object({
        name: Text(100),
        instances: Count,
        desired: Count,
        min: Count,
        max: Count,
        forecast: Type.Array(Type.Object({ at: Instant, value: Type.Number({ minimum: 0 }) }), { maxItems: 2_000 }),
        reason: Type.String({ maxLength: 1_000 }),
        decidedAt: Instant,
      }),
      { maxItems: 100 },
    ),
  }),
);

/**
 * The gateway's side of the platform's control loop (packages/contracts/src/ops-control.ts): the
 * supervisor of `mercato up` locally, the autoscaler controller on Kubernetes. After each ops round
 * the gateway asks for the events it has not seen and keeps them among its own (`GET
 * /api/ops/events`); `GET /api/ops/scaling` asks for the scaling state when an operator looks.
 * Calls carry the `gateway-ops` credential (HTTP Basic) and, under MERCATO_INTERNAL_TLS=on, go
 * through the dispatcher that presents the gateway's certificate. Nothing here throws: an answer
 * that is late, too big or not the contract's shape counts as no answer.
 */
export class ControlClient {
  readonly #base: string;
  readonly #authorization: string | undefined;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  /** The newest event seen, by the control loop's own numbering (undefined: none yet). */
  #last: { seq: number; id: string } | undefined;
  /** Whether the last call failed: a control loop that stays away is logged once, not every round. */
  #failing = false;

  constructor(options: {
    url: string;
    /** MERCATO_OPS_CLIENT_SECRET: the control loop accepts the gateway's ops client and nothing else. */
    clientSecret: string | undefined;
    log: Logger;
    dispatcher?: Dispatcher | undefined;
    timeoutMs?: number;
  }) {
    this.#base = options.url.replace(/\/+$/, '');
    this.#authorization = options.clientSecret
      ? `Basic ${Buffer.from(`${GATEWAY_OPS_CLIENT}:${options.clientSecret}`).toString('base64')}`
      : undefined;
    this.#dispatcher = options.dispatcher;
    this.#log = options.log;
    this.#timeoutMs = options.timeoutMs ?? CONTROL_TIMEOUT_MS;
  }

  /**
   * Keeps in `events` what the control loop recorded since the last call; returns how many were new.
   * It asks from the event before the newest seen (`after = seq - 1`): the answer must start with
   * that very event (same seq, same id). When it does not, the control loop restarted (its numbering
   * began again, in memory) and the gateway reads it again from the start; events already kept are
   * recognised by id, so none is listed twice.
   */
  async pollEvents(events: OpsEventRecorder): Promise<number> {
    const last = this.#last;
    let items = await this.#events(last ? last.seq - 1 : 0);
    if (items === undefined) return 0;
    if (last) {
      const [anchor] = items;
      if (anchor?.seq === last.seq && anchor.id === last.id) items = items.slice(1);
      else {
        this.#log.info({ lastSeq: last.seq }, 'the control loop restarted: reading its events from the start');
        items = (await this.#events(0)) ?? [];
      }
    }
    let added = 0;
    for (const { seq, id, at, kind, service, detail } of items) {
      // Only the contract's fields are kept (the schema checks them, it does not strip others).
      if (events.add({ id, at, kind, service, detail })) added += 1;
      this.#last = { seq, id };
    }
    if (items.length === 0 && last && this.#last === last) {
      // The restarted loop has recorded nothing yet: start from 0 next time.
      this.#last = undefined;
    }
    return added;
  }

  /** The control loop's scaling state, or undefined when it did not answer the contract in time. */
  async scaling(): Promise<ScalingStateResponse | undefined> {
    const body = await this.#get(CONTROL_PATHS.scaling);
    if (body === undefined) return undefined;
    if (!ScalingAnswer.Check(body))
      return this.#failed({ path: CONTROL_PATHS.scaling }, 'the control loop answered with something other than the contract');
    return this.#answered(body);
  }

  async #events(after: number): Promise<ControlEvent[] | undefined> {
    const body = await this.#get(`${CONTROL_PATHS.events}?after=${after}`);
    if (body === undefined) return undefined;
    if (!EventsAnswer.Check(body))
      return this.#failed({ path: CONTROL_PATHS.events }, 'the control loop answered with something other than the contract');
    // Oldest first, as the contract says; sorted anyway so the newest seen is the last one kept.
    return [...this.#answered(body satisfies ControlEventsResponse).items].sort((a, b) => a.seq - b.seq);
  }

  /** A GET answered 200 with JSON within the timeout and size bound, parsed; otherwise undefined (logged). */
  async #get(path: string): Promise<unknown> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await request(`${this.#base}${path}`, {
        headers: this.#authorization ? { authorization: this.#authorization, accept: 'application/json' } : { accept: 'application/json' },
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        signal,
        dispatcher: this.#dispatcher,
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        return this.#failed(
          { status: response.statusCode, path },
          response.statusCode === 401 || response.statusCode === 403
            ? 'the control loop refused the gateway: check MERCATO_OPS_CLIENT_SECRET'
            : 'the control loop did not answer 200',
        );
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_ANSWER_BYTES) {
          response.body.destroy();
          return this.#failed({ path }, 'the control loop answered more than 1 MiB');
        }
        chunks.push(chunk as Buffer);
      }
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      return this.#failed({ err: error, path }, `the control loop did not answer (${MERCATO_CONTROL_URL_HINT})`);
    }
  }

  /** A valid answer: says so once after failures. */
  #answered<T>(body: T): T {
    if (this.#failing) this.#log.info({ url: this.#base }, 'the control loop answers again');
    this.#failing = false;
    return body;
  }

  /** Logs a failure at warn the first time in a row, at debug after that; always undefined. */
  #failed(fields: Record<string, unknown>, message: string): undefined {
    if (this.#failing) this.#log.debug(fields, message);
    else this.#log.warn({ ...fields, url: this.#base }, message);
    this.#failing = true;
    return undefined;
  }
}
