/**
 * What the platform's control loop answers the gateway: the supervisor of `mercato up` locally, the
 * autoscaler controller on Kubernetes (`MERCATO_CONTROL_URL` at the gateway). The gateway merges the
 * events into `GET /api/ops/events` and shows the scaling state at `GET /api/ops/scaling`. Plain
 * types: only our own processes write these; the gateway calls with its `gateway-ops` credential
 * (HTTP Basic, client id and secret).
 */

/** The kinds API.md lists for `/api/ops/events`. */
export type ControlEventKind =
  | 'restarted'
  | 'crash_loop'
  | 'scaled_up'
  | 'scaled_down'
  | 'anomaly'
  | 'alert_firing'
  | 'alert_resolved'
  | 'replayed';

export type ControlEventDetail = Readonly<Record<string, string | number | boolean | null>>;

/** One thing the control loop did or noticed; `seq` grows by one per event in that process. */
export interface ControlEvent {
  seq: number;
  id: string;
  at: string;
  kind: ControlEventKind;
  service: string;
  detail: ControlEventDetail;
}

/** `GET /events?after=<seq>` → the events after `seq` (all kept, without it), oldest first, at most 500. */
export interface ControlEventsResponse {
  items: ControlEvent[];
}

export interface ForecastPoint {
  at: string;
  value: number;
}

/** One service's scaling state, as API.md's `GET /api/ops/scaling` shows it. */
export interface ServiceScaling {
  name: string;
  instances: number;
  desired: number;
  min: number;
  max: number;
  /** The load forecast (requests per second) for the next minutes, one point per step. */
  forecast: ForecastPoint[];
  reason: string;
  decidedAt: string;
}

/** `GET /scaling` → every service of the topology. */
export interface ScalingStateResponse {
  autoscaling: boolean;
  services: ServiceScaling[];
}

/** The paths a control loop serves. */
export const CONTROL_PATHS = { events: '/events', scaling: '/scaling' } as const;
