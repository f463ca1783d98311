/**
 * `npm run test:ops`: the operator's configuration in deploy/observability holds together.
 * - promtool checks the rules, runs every alert's unit test (tests/<alert>.test.yml) and checks both
 *   Prometheus configurations (with token files that exist; see `checkConfig`);
 * - every alert has its test, its runbook, and a runbook_url pointing at it; its name and `for` are
 *   the ones the gateway's own alerting implements;
 * - the rules and the Grafana dashboard name only metrics the processes export, and the dashboard's
 *   PromQL parses (promtool, as recording rules);
 * - the scrape configurations cover every process of the topology, with a token where one is needed;
 * - the collector config is complete (pipelines name defined components) and maps every field of
 *   log-fields.json where that file says.
 * promtool comes from Debian's `prometheus` package (`apt-get install prometheus`) or PROMTOOL; a
 * missing promtool fails this suite, it never skips.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TOPOLOGY } from '@mercato/contracts/topology';
import { parse, stringify } from 'yaml';
import { ALERT_RULES as GATEWAY_RULES } from '../../../services/gateway/src/domain/alert-rules.ts';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const OBSERVABILITY = resolve(HERE, '..');
const REPO = resolve(OBSERVABILITY, '../..');
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

/**
 * The alerts and their `for`, as issue 10 names them: the gateway evaluates the same rules for the ops
 * console, so a rename or a changed duration here must be made there too.
 */
const ALERTS: Record<string, string> = {
  HighErrorRate: '2m',
  LatencyOverSlo: '5m',
  SagaStepStuck: '1m',
  DeadLettersNotEmpty: '1m',
  OutboxBacklogGrowing: '2m',
  InstanceDown: '1m',
  ErrorBudgetBurn: '2m',
  ErrorBudgetBurnSlow: '15m',
};

/** Metrics the processes export (the kit, orders, payments, inventory; prom-client's Node defaults). */
const GAUGES_AND_COUNTERS = [
  'mercato_outbox_backlog',
  'mercato_outbox_oldest_age_seconds',
  'mercato_dead_letters_open',
  'mercato_dead_letters_total',
  'mercato_orders_placed_total',
  'mercato_orders_confirmed_total',
  'mercato_orders_cancelled_total',
  'mercato_revenue_confirmed_minor_units_total',
  'mercato_saga_oldest_step_age_seconds',
  'mercato_payment_declines_total',
  'mercato_payments_failed_total',
  'mercato_inventory_reservation_failures_total',
  'mercato_db_pool_in_use_connections',
  'mercato_db_pool_idle_connections',
  'mercato_db_pool_waiting_requests',
  'mercato_spans_recorded_total',
  'nodejs_eventloop_lag_p99_seconds',
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
];
const HISTOGRAMS = ['http_request_duration_seconds', 'mercato_saga_step_duration_seconds', 'mercato_bus_consume_lag_seconds'];
const EXPORTED = new Set([...GAUGES_AND_COUNTERS, ...HISTOGRAMS.flatMap((name) => ['_bucket', '_count', '_sum'].map((s) => name + s))]);
/** Exported, and not on the dashboard on purpose: the tracer's own bookkeeping. */
const NOT_ON_DASHBOARD = new Set(['mercato_spans_recorded_total']);

/** How every panel and query names its Prometheus: the dashboard's `datasource` variable. */
const DATASOURCE_VARIABLE = `\${datasource}`;

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** Metric names a PromQL expression reads: `mercato_…`, `http_…`, `nodejs_…`, `process_…`, recorded `a:b:c`, `up`. */
function metricsIn(expr: string): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...code.matchAll(/(?<![\w:$])((?:mercato|http|nodejs|process)_\w+|[a-z_]+:[\w:]+|up)(?![\w(])/g)].map((m) => m[1] as string);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(PROMTOOL, args, { cwd: OBSERVABILITY, maxBuffer: 16 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const failure = error as { code?: string | number; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(
        `promtool not found (${PROMTOOL}): install Debian's prometheus package (apt-get install -y prometheus) or set PROMTOOL`,
      );
    }
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}

const readYaml = async (path: string) => parse(await readFile(path, 'utf8'));

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface ScrapeJob {
  job_name: string;
  honor_labels?: boolean;
  authorization?: { type?: string; credentials_file?: string };
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  kubernetes_sd_configs?: { role: string }[];
  relabel_configs?: { source_labels?: string[]; regex?: string; action?: string; target_label?: string; replacement?: string }[];
}

let rules: Rule[] = [];
const alertRules = () => rules.filter((rule): rule is Rule & { alert: string } => typeof rule.alert === 'string');

before(async () => {
  const file = (await readYaml(join(OBSERVABILITY, 'alerts.yml'))) as { groups: { rules: Rule[] }[] };
  rules = file.groups.flatMap((group) => group.rules);
});

describe('alerting rules', () => {
  test('promtool finds alerts.yml valid', async () => {
    const out = await promtool('check', 'rules', 'alerts.yml');
    assert.match(out, /SUCCESS: \d+ rules found/);
  });

  test('the alerts are the ones issue 10 names, each with its duration, a severity and the three annotations', () => {
    const found = Object.fromEntries(alertRules().map((rule) => [rule.alert, rule.for]));
    assert.deepEqual(found, ALERTS);
    for (const rule of alertRules()) {
      assert.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity critical or warning`);
      for (const key of ['summary', 'description', 'runbook_url']) assert.ok(rule.annotations?.[key]?.trim(), `${rule.alert}: ${key}`);
    }
  });

  test('the gateway evaluates the same alerts with the same severities and durations (the ops console, without Prometheus)', () => {
    const seconds = (duration: string) =>
      Number(duration.slice(0, -1)) * (duration.endsWith('m') ? 60 : duration.endsWith('h') ? 3_600 : 1);
    assert.deepEqual(
      Object.fromEntries(GATEWAY_RULES.map((rule) => [rule.name, [rule.severity, rule.forMs / 1_000]])),
      Object.fromEntries(alertRules().map((rule) => [rule.alert, [rule.labels?.severity, seconds(rule.for ?? '0s')]])),
    );
  });

  test("every alert's runbook_url points at its runbook, which exists and is listed in the runbooks' index", async () => {
    const index = await readFile(join(REPO, 'docs/runbooks/README.md'), 'utf8');
    for (const rule of alertRules()) {
      const page = `docs/runbooks/${kebab(rule.alert)}.md`;
      assert.equal(rule.annotations?.runbook_url, page, `${rule.alert}'s runbook_url`);
      assert.ok(await exists(join(REPO, page)), `${page} exists`);
      const text = await readFile(join(REPO, page), 'utf8');
      assert.match(text, new RegExp(`^# ${rule.alert}\\n`), `${page} starts with its alert's name`);
      assert.ok(index.includes(`](${kebab(rule.alert)}.md)`), `docs/runbooks/README.md links ${page}`);
    }
    const pages = (await readdir(join(REPO, 'docs/runbooks'))).filter((name) => name !== 'README.md');
    assert.deepEqual(
      pages.sort(),
      alertRules()
        .map((rule) => `${kebab(rule.alert)}.md`)
        .sort(),
      'no runbook without its alert',
    );
  });

  test('every alert has a unit test that fires it and one that keeps it quiet, and no test is left without its alert', async () => {
    for (const rule of alertRules()) {
      const path = join(HERE, `${kebab(rule.alert)}.test.yml`);
      assert.ok(await exists(path), `tests/${kebab(rule.alert)}.test.yml exists`);
      const file = (await readYaml(path)) as { tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] };
      const cases = file.tests.flatMap((group) => group.alert_rule_test ?? []).filter((c) => c.alertname === rule.alert);
      assert.ok(
        cases.some((c) => (c.exp_alerts ?? []).length > 0),
        `${rule.alert}: a case where it fires`,
      );
      assert.ok(
        cases.some((c) => (c.exp_alerts ?? []).length === 0),
        `${rule.alert}: a case where it stays quiet`,
      );
    }
    const files = (await readdir(HERE)).filter((name) => name.endsWith('.test.yml'));
    assert.deepEqual(
      files.sort(),
      alertRules()
        .map((rule) => `${kebab(rule.alert)}.test.yml`)
        .sort(),
    );
  });

  test('the rules read only metrics the processes export, or rules recorded in the same file', () => {
    const recorded = new Set(rules.flatMap((rule) => (rule.record ? [rule.record] : [])));
    for (const rule of rules) {
      for (const name of metricsIn(rule.expr)) {
        assert.ok(EXPORTED.has(name) || recorded.has(name) || name === 'up', `${rule.alert ?? rule.record} reads ${name}`);
      }
    }
  });
});

describe('promtool unit tests', async () => {
  const files = (await readdir(HERE)).filter((name) => name.endsWith('.test.yml')).sort();
  for (const file of files) {
    test(`promtool test rules tests/${file}`, async () => {
      const out = await promtool('test', 'rules', `tests/${file}`);
      assert.match(out, /SUCCESS/);
    });
  }
});

describe('scrape configurations', () => {
  const processes: readonly string[] = TOPOLOGY.map((entry) => entry.name);
  /** No token: the gateway's /metrics is public (API.md) and the registry takes none. */
  const open = new Set(['gateway', 'registry']);
  const variants = [
    { file: 'prometheus.yml', discovery: 'static' },
    { file: 'prometheus-kubernetes.yml', discovery: 'kubernetes' },
  ] as const;

  let scratch = '';
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'mercato-prometheus-'));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  for (const { file, discovery } of variants) {
    test(`${file} scrapes every process of the topology, one job each, with the process's own labels kept`, async () => {
      const config = (await readYaml(join(OBSERVABILITY, file))) as { rule_files: string[]; scrape_configs: ScrapeJob[] };
      assert.deepEqual(config.rule_files, ['alerts.yml']);
      assert.deepEqual(config.scrape_configs.map((job) => job.job_name).sort(), [...processes].sort());
      for (const job of config.scrape_configs) {
        const name = job.job_name;
        assert.equal(job.honor_labels, true, `${name}: honor_labels`);
        if (open.has(name)) assert.equal(job.authorization, undefined, `${name} needs no token`);
        else assert.equal(job.authorization?.credentials_file, `/etc/prometheus/mercato-ops/${name}.token`, `${name}'s token file`);
        if (discovery === 'static') {
          assert.equal(job.static_configs?.length, 1, `${name}: one static target`);
          assert.match(job.static_configs?.[0]?.targets[0] ?? '', new RegExp(`^${name}:\\d+$`), `${name}: reached by its name`);
          assert.equal(job.static_configs?.[0]?.labels?.service, name, `${name}: service label for up`);
        } else {
          assert.deepEqual(job.kubernetes_sd_configs, [{ role: 'pod' }], `${name}: pods`);
          const keeps = (label: string) => job.relabel_configs?.find((r) => r.action === 'keep' && r.source_labels?.[0] === label)?.regex;
          assert.equal(keeps('__meta_kubernetes_pod_label_app_kubernetes_io_part_of'), 'mercato', `${name}: part-of=mercato`);
          assert.equal(keeps('__meta_kubernetes_pod_label_app_kubernetes_io_name'), name, `${name}: its own pods`);
          assert.equal(keeps('__meta_kubernetes_pod_container_port_name'), 'http', `${name}: the port named http`);
          const service = job.relabel_configs?.find((r) => r.target_label === 'service');
          assert.equal(service?.replacement, name, `${name}: service label for up`);
        }
      }
    });

    test(`promtool check config ${file} (with token files that exist)`, async (t) => {
      const out = await checkConfig(file, scratch);
      if (out.swappedDiscovery) {
        t.diagnostic(
          'this promtool has no Kubernetes discovery (Debian builds it without): checked with each kubernetes_sd_configs as a static target; the discovery blocks are checked above',
        );
      }
      assert.match(out.text, /SUCCESS: .* is valid prometheus config file syntax/);
    });
  }
});

/**
 * `promtool check config` stats every credentials_file, and the configs name where they live in a
 * deployment (/etc/prometheus/mercato-ops/): the copy checked here points them at empty files in
 * `scratch`, next to a copy of alerts.yml. Debian's promtool is built without Kubernetes service
 * discovery ("field kubernetes_sd_configs not found"): then the copy has a static target instead.
 */
async function checkConfig(file: string, scratch: string): Promise<{ text: string; swappedDiscovery: boolean }> {
  const config = (await readYaml(join(OBSERVABILITY, file))) as {
    scrape_configs: (ScrapeJob & { static_configs?: unknown })[];
    alerting?: { alertmanagers?: Record<string, unknown>[] };
  };
  const dir = await mkdtemp(join(scratch, 'check-'));
  await writeFile(join(dir, 'alerts.yml'), await readFile(join(OBSERVABILITY, 'alerts.yml')));
  for (const job of config.scrape_configs) {
    if (!job.authorization?.credentials_file) continue;
    const token = join(dir, `${job.job_name}.token`);
    await writeFile(token, 'placeholder\n');
    job.authorization.credentials_file = token;
  }
  const check = async () => {
    await writeFile(join(dir, file), stringify(config));
    try {
      return await promtool('check', 'config', join(dir, file));
    } catch (error) {
      return (error as Error).message;
    }
  };
  const text = await check();
  if (!text.includes('field kubernetes_sd_configs not found')) return { text, swappedDiscovery: false };
  const staticInstead = (block: Record<string, unknown>) => {
    if (!block.kubernetes_sd_configs) return;
    delete block.kubernetes_sd_configs;
    block.static_configs = [{ targets: ['pod.example:80'] }];
  };
  for (const job of config.scrape_configs) staticInstead(job as unknown as Record<string, unknown>);
  for (const manager of config.alerting?.alertmanagers ?? []) staticInstead(manager);
  return { text: await check(), swappedDiscovery: true };
}

describe('Grafana dashboard', () => {
  interface Target {
    expr: string;
    datasource?: { uid?: string };
  }
  interface Panel {
    id: number;
    type: string;
    title: string;
    datasource?: { type?: string; uid?: string };
    targets?: Target[];
    gridPos?: { h: number; w: number; x: number; y: number };
  }
  let dashboard: {
    schemaVersion: number;
    uid: string;
    panels: Panel[];
    templating: { list: { name: string; type: string; query: unknown }[] };
  };
  const queries = () => dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));

  before(async () => {
    dashboard = JSON.parse(await readFile(join(OBSERVABILITY, 'grafana/mercato.json'), 'utf8'));
  });

  test('is a dashboard of schema ~39 whose Prometheus is the datasource variable', () => {
    assert.ok(dashboard.schemaVersion >= 36 && dashboard.schemaVersion <= 41, `schemaVersion ${dashboard.schemaVersion}`);
    assert.ok(dashboard.uid);
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    assert.equal(variable?.type, 'datasource');
    assert.equal(variable?.query, 'prometheus');
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
      assert.equal(panel.datasource?.uid, DATASOURCE_VARIABLE, `${panel.title}: datasource`);
      assert.ok(panel.gridPos, `${panel.title}: gridPos`);
      assert.ok((panel.targets ?? []).length > 0, `${panel.title}: queries`);
      for (const target of panel.targets ?? [])
        assert.equal(target.datasource?.uid, DATASOURCE_VARIABLE, `${panel.title}: query datasource`);
    }
    const ids = dashboard.panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  });

  test("reads only metrics the processes export, and shows every one of them (but the tracer's own count)", () => {
    const used = new Set<string>();
    for (const { panel, target } of queries()) {
      for (const name of metricsIn(target.expr)) {
        assert.ok(EXPORTED.has(name) || name === 'up', `${panel.title} reads ${name}`);
        used.add(name);
      }
    }
    const shown = (name: string) =>
      used.has(name) || HISTOGRAMS.some((h) => name.startsWith(h) && ['_bucket', '_count', '_sum'].some((s) => used.has(h + s)));
    const missing = [...EXPORTED].filter((name) => !NOT_ON_DASHBOARD.has(name) && !name.endsWith('_sum') && !shown(name));
    assert.deepEqual(missing, [], 'exported metrics the dashboard does not show');
  });

  test("every query is PromQL promtool parses (Grafana's variables given values)", async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'mercato-dashboard-'));
    try {
      const recorded = queries().map(({ target }, i) => ({
        record: `dashboard:query_${i}:check`,
        expr: target.expr.replaceAll('$__rate_interval', '5m').replaceAll('$service', '.*'),
      }));
      const path = join(scratch, 'dashboard-queries.yml');
      await writeFile(path, stringify({ groups: [{ name: 'dashboard', rules: recorded }] }));
      const out = await promtool('check', 'rules', path);
      assert.match(out, new RegExp(`SUCCESS: ${recorded.length} rules found`));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

describe('OpenTelemetry Collector config', () => {
  interface Operator {
    id?: string;
    type: string;
    if?: string;
    parse_from?: string;
    parse_to?: string;
    from?: string;
    to?: string;
    field?: string;
    timestamp?: { parse_from: string; layout_type?: string; layout?: string };
    severity?: { parse_from: string; mapping?: Record<string, string | string[]> };
    trace_id?: { parse_from: string };
    span_id?: { parse_from: string };
  }
  type Section = Record<string, Record<string, unknown> | null>;
  let collector: {
    extensions?: Section;
    receivers: Section & { otlp: { protocols: { grpc: { endpoint: string }; http: { endpoint: string } } } };
    processors: Section;
    exporters: Section;
    service: { extensions?: string[]; pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
  };
  let operators: Operator[] = [];
  let fields: { field: string; to: string }[] = [];

  before(async () => {
    collector = await readYaml(join(OBSERVABILITY, 'otel-collector.yml'));
    operators = (collector.receivers.filelog as { operators: Operator[] }).operators;
    fields = (JSON.parse(await readFile(join(OBSERVABILITY, 'log-fields.json'), 'utf8')) as { fields: { field: string; to: string }[] })
      .fields;
  });

  test('receives OTLP on 4317 (gRPC) and 4318 (HTTP) and tails the pods’ log files', () => {
    assert.match(collector.receivers.otlp.protocols.grpc.endpoint, /:4317$/);
    assert.match(collector.receivers.otlp.protocols.http.endpoint, /:4318$/);
    const filelog = collector.receivers.filelog as { include: string[]; include_file_path?: boolean };
    assert.ok(filelog.include.includes('/var/log/pods/*mercato*/*/*.log'));
    // The container operator takes k8s metadata from the path it is given.
    assert.equal(filelog.include_file_path, true);
    assert.equal(operators[0]?.type, 'container', "the runtime's format is parsed first");
    assert.ok(
      operators.some((op) => op.type === 'json_parser'),
      'json_parser',
    );
  });

  test('runs traces and logs through memory_limiter first and batch last, into Elasticsearch and Loki, naming only defined components', () => {
    const { pipelines } = collector.service;
    assert.deepEqual(Object.keys(pipelines).sort(), ['logs', 'traces']);
    for (const [name, pipeline] of Object.entries(pipelines)) {
      for (const id of pipeline.receivers) assert.ok(id in collector.receivers, `${name}: receiver ${id} is defined`);
      for (const id of pipeline.processors) assert.ok(id in collector.processors, `${name}: processor ${id} is defined`);
      for (const id of pipeline.exporters) assert.ok(id in collector.exporters, `${name}: exporter ${id} is defined`);
      assert.equal(pipeline.processors[0], 'memory_limiter', `${name}: memory_limiter first`);
      assert.equal(pipeline.processors.at(-1), 'batch', `${name}: batch last`);
      assert.ok(pipeline.processors.includes('resource'), `${name}: resource`);
    }
    for (const id of collector.service.extensions ?? []) assert.ok(id in (collector.extensions ?? {}), `extension ${id} is defined`);
    assert.ok(pipelines.traces?.receivers.includes('otlp'));
    assert.ok(pipelines.logs?.receivers.includes('filelog'));
    assert.ok(pipelines.logs?.exporters.includes('elasticsearch'));
    assert.ok(pipelines.logs?.exporters.some((id) => id === 'loki' || id.startsWith('otlphttp/loki')));
  });

  test('maps every field of log-fields.json where that file says', () => {
    const json = operators.find((op) => op.type === 'json_parser');
    const trace = operators.find((op) => op.type === 'trace_parser');
    const moved = (field: string) => operators.find((op) => op.type === 'move' && op.from === `attributes.${field}`)?.to;
    const removedOrMoved = (field: string) =>
      operators.some(
        (op) => (op.type === 'remove' && op.field === `attributes.${field}`) || (op.type === 'move' && op.from === `attributes.${field}`),
      );
    assert.equal(json?.parse_to, 'attributes');
    const destination: Record<string, () => boolean> = {
      timestamp: () => json?.timestamp?.parse_from === 'attributes.time',
      severity: () => json?.severity?.parse_from === 'attributes.level',
      body: () => moved('msg') === 'body',
      'resource service.name': () => moved('service') === 'resource["service.name"]',
      'resource service.instance.id': () => moved('instance') === 'resource["service.instance.id"]',
      trace_id: () => trace?.trace_id?.parse_from === 'attributes.traceId',
      span_id: () => trace?.span_id?.parse_from === 'attributes.spanId',
    };
    assert.deepEqual(
      fields.map((f) => f.field),
      ['time', 'level', 'msg', 'service', 'instance', 'traceId', 'spanId', 'requestId', 'orderId'],
    );
    for (const { field, to } of fields) {
      if (to === `attribute ${field}`) {
        // json_parser puts every field in attributes; an attribute field stays there under its own name.
        assert.ok(!removedOrMoved(field), `${field} stays an attribute`);
        continue;
      }
      const check = destination[to];
      assert.ok(check, `${field}: a destination the test knows (${to})`);
      assert.ok(check(), `${field} → ${to}`);
    }
  });

  test("parses pino's timestamps and its six level labels", () => {
    const json = operators.find((op) => op.type === 'json_parser');
    assert.equal(json?.timestamp?.layout_type, 'gotime');
    // Go's reference time, in the shape pino.stdTimeFunctions.isoTime writes (toISOString).
    assert.equal(json?.timestamp?.layout, '2006-01-02T15:04:05.999Z07:00');
    assert.equal(new Date(Date.UTC(2006, 0, 2, 15, 4, 5, 999)).toISOString(), '2006-01-02T15:04:05.999Z');
    const mapping = json?.severity?.mapping ?? {};
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) {
      assert.ok([mapping[level]].flat().includes(level), `${level} maps to severity ${level}`);
    }
  });
});
