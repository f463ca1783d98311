/**
 * Writes the generated part of deploy/k8s from the topology (packages/contracts/src/topology.ts), so a
 * service added there gets its Deployment, Service, autoscaler, disruption budget, network policy,
 * secrets and database without anyone listing it again:
 *
 *   node deploy/k8s/generate.ts           writes the files
 *   node deploy/k8s/generate.ts --check   exits 1 naming every file that differs (npm run test:deploy runs it)
 *
 * What it writes: base/ (every object but the Ingress, whose file is hand-written), the dev overlay's
 * dev-only secrets component (overlays/dev/secrets/), and the PostgreSQL roles and databases for
 * CloudNativePG (dependencies/postgres/databases.yaml, dependencies/dev/). The overlays and the
 * dependencies' kustomizations are hand-written. docs/deploy.md says how to use them.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_CLIENT, GATEWAY_OPS_CLIENT, type ProcessEntry, TOPOLOGY } from '@mercato/contracts/topology';
import { stringify } from 'yaml';
import { nodeFlagsFor } from '../../packages/cli/src/child-memory.ts';
import { databaseUrlVariable } from '../../packages/kit/src/service/database-url-variable.ts';

export const K8S_DIR = fileURLToPath(new URL('./', import.meta.url));

/** Every pod listens here (`PORT`, the gateway's `GATEWAY_PORT`), on a container port named `http`. */
export const HTTP_PORT = 8080;
/** Every Service answers here and forwards to `http`: the kit's `MERCATO_DNS_PORT` (`http://catalog`). */
export const SERVICE_PORT = 80;
/**
 * Linkerd's proxy inbound port: traffic between meshed pods arrives there, not on the original port
 * (Linkerd's docs, "Network Policy"). Allowed beside `http` by every rule that allows `http`; without a
 * mesh nothing listens on it.
 */
export const MESH_INBOUND_PORT = 4143;
/** The image's user (the official Node images' `node`); any non-root id works, the app files being read-only. */
export const RUN_AS = 1000;
/** Where PostgreSQL (CloudNativePG), NATS and Redis run (docs/deploy.md). */
export const DATA_NAMESPACE = 'mercato-data';
export const PG_CLUSTER = 'mercato-pg';
/** The one image of every process; the overlays set its tag (never `latest`) and may rename it. */
export const IMAGE = 'ghcr.io/mercato-shop/mercato';
/** Labels on namespaces outside ours that the operator sets once (docs/deploy.md, step 2). */
export const INGRESS_NAMESPACE_LABEL = 'mercato/ingress-controller';
export const MONITORING_NAMESPACE_LABEL = 'mercato/prometheus';

/**
 * The predictive autoscaler's controller (packages/autoscaler/src/kubernetes/main.ts): it sets each
 * HPA's minReplicas ahead of the forecast and answers the gateway's ops console (MERCATO_CONTROL_URL).
 */
export const AUTOSCALER = 'mercato-autoscaler';
/** Where the controller's Prometheus is by default (prometheus-operator's Service); overlays set theirs. */
export const PROMETHEUS_URL = 'http://prometheus-operated.monitoring.svc:9090';
/** Prometheus's HTTP port: the controller's instant queries go there. */
export const PROMETHEUS_PORT = 9090;

/** The pods that run the `mercato` command's tasks against a cluster, as the CLI's client (`mercato`). */
export const CLI_TASK = 'mercato-cli';
/** The pod that loads the demo store (or a benchmark catalog) into catalog's and inventory's databases. */
export const SEED_TASK = 'mercato-seed';

type Entry = ProcessEntry;
type Manifest = Record<string, unknown>;

/**
 * The processes that run on Kubernetes. The registry does not: with `DISCOVERY=dns` every process
 * reaches the others by their Service's name and nothing registers (kit: `discoveryFor`, `start()`).
 */
export const DEPLOYED: readonly Entry[] = (TOPOLOGY as readonly Entry[]).filter((entry) => entry.role !== 'registry');

/** Sizing per process. Requests are what an idle-to-busy pod uses (docs/adr/0021: ~80 MiB idle each); limits bound a leak. */
interface Sizing {
  cpu: [request: string, limit: string];
  memory: [request: string, limit: string];
  /** The HorizontalPodAutoscaler's bounds in the base (the dev overlay lowers them). */
  replicas: [min: number, max: number];
}
/** The request-path processes (ADR 0021: no old-space cap, V8 may use what the limit allows). */
const BUSY: Sizing = { cpu: ['200m', '1'], memory: ['192Mi', '768Mi'], replicas: [2, 8] };
/** identity, recommendations: `--max-old-space-size=256` (nodeFlagsFor), so 384 MiB holds heap, young space and code. */
const QUIET: Sizing = { cpu: ['100m', '1'], memory: ['128Mi', '384Mi'], replicas: [2, 4] };
const SIZING: Record<string, Sizing> = {
  gateway: { ...BUSY, replicas: [2, 10] },
  catalog: { ...BUSY, replicas: [2, 10] },
  // argon2id hashing runs on libuv's threads: a login burst may use more than one core.
  identity: { ...QUIET, cpu: ['100m', '2'] },
};
export function sizingOf(name: string): Sizing {
  const quiet = nodeFlagsFor(name, {}).some((flag) => flag.startsWith('--max-old-space-size'));
  return SIZING[name] ?? (quiet ? QUIET : BUSY);
}

export const secretOf = (name: string) => `mercato-${name}`;
const labelsOf = (name: string, component: 'service' | 'gateway' | 'task' | 'controller') => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': 'mercato',
  'app.kubernetes.io/component': component,
});
const componentOf = (entry: Entry) => (entry.role === 'gateway' ? 'gateway' : 'service');
const selectorOf = (name: string) => ({ matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'mercato' } });

/**
 * Who calls whom, from the topology alone:
 * - the gateway forwards the public prefixes, and gathers every service's metrics, dead letters and
 *   OpenAPI document with its `gateway-ops` credential (`OPS_PATH_PREFIXES`): it calls every service;
 * - an internal route's callers call its owner;
 * - every process holding a client credential gets its service tokens from identity's `/oauth/token`
 *   and verifies callers with identity's JWKS (kit: `ServiceTokens`, `identityJwks`): all call identity;
 * - the `mercato` command's client (`CLI_CLIENT`) calls the internal routes that name it.
 */
export function calleesOf(caller: string): string[] {
  const callees = new Set<string>();
  const clientId = caller === 'gateway' ? ['gateway', GATEWAY_OPS_CLIENT] : caller === CLI_TASK ? [CLI_CLIENT] : [caller];
  for (const entry of DEPLOYED) {
    if (entry.name === caller) continue;
    if (caller === 'gateway' && entry.role === 'service') callees.add(entry.name);
    if (Object.values(entry.internalRoutes).some((callers) => callers.some((c) => clientId.includes(c)))) callees.add(entry.name);
  }
  if (caller !== 'identity') callees.add('identity');
  // The ops console's events and scaling state come from the autoscaler controller (MERCATO_CONTROL_URL).
  if (caller === 'gateway') callees.add(AUTOSCALER);
  return [...callees].sort();
}
/** Every pod that calls `service`: the processes and task pods above. */
export function callersOf(service: string): string[] {
  return [...DEPLOYED.map((entry) => entry.name), CLI_TASK].filter((caller) => calleesOf(caller).includes(service)).sort();
}

/** On the bus: every business service, and the gateway (it publishes product views straight to it, services/gateway/src/product-views.ts). */
export const usesBus = (entry: Entry) => entry.role === 'service' || entry.role === 'gateway';

// ————— env —————

const secretRef = (secret: string, key: string, optional = false) => ({
  secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) },
});

/** What `mercato up` passes each process (packages/cli/src/up.ts), the Kubernetes way. */
function envOf(entry: Entry): Manifest[] {
  const env: Manifest[] = [
    // The processes label every series and log line with it; Prometheus's `instance` is the pod's name too.
    { name: 'MERCATO_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'MERCATO_CLIENT_ID', value: entry.name },
    { name: 'MERCATO_CLIENT_SECRET', valueFrom: secretRef(secretOf(entry.name), 'MERCATO_CLIENT_SECRET') },
  ];
  if (entry.port) env.push({ name: entry.port.variable, value: String(HTTP_PORT) });
  if (entry.database) {
    const variable = databaseUrlVariable(entry.name);
    env.push({ name: variable, valueFrom: secretRef(secretOf(entry.name), variable) });
  }
  // Every business service has the bus, and the gateway, which publishes storefront.product.viewed on it.
  if (usesBus(entry)) env.push({ name: 'NATS_URL', valueFrom: secretRef('mercato-nats', 'NATS_URL') });
  if (entry.role === 'gateway') {
    env.push({ name: 'REDIS_URL', valueFrom: secretRef('mercato-redis', 'REDIS_URL') });
    // The control loop of a Kubernetes shop: the autoscaler controller's Service (its events and scaling state).
    env.push({ name: 'MERCATO_CONTROL_URL', value: `http://${AUTOSCALER}:${SERVICE_PORT}` });
  }
  for (const [variable, secret] of Object.entries(entry.secrets)) {
    // One data key for identity and orders (the same key list `mercato up` hands both): one Secret, never two copies.
    if (secret === 'data-key') env.push({ name: variable, valueFrom: secretRef('mercato-data-key', variable) });
    else env.push({ name: variable, valueFrom: secretRef(secretOf(entry.name), variable) });
  }
  if (entry.name === 'identity') {
    // The first admin (services/identity/src/first-admin.ts); unset, identity logs a generated password once.
    env.push({ name: 'MERCATO_ADMIN_EMAIL', valueFrom: secretRef(secretOf('identity'), 'MERCATO_ADMIN_EMAIL', true) });
    env.push({ name: 'MERCATO_ADMIN_PASSWORD', valueFrom: secretRef(secretOf('identity'), 'MERCATO_ADMIN_PASSWORD', true) });
  }
  const flags = nodeFlagsFor(entry.name, {});
  env.push({ name: 'NODE_OPTIONS', value: flags.join(' ') });
  return env;
}

// ————— pods —————

const containerSecurity = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};
const podSecurity = {
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  fsGroup: RUN_AS,
  seccompProfile: { type: 'RuntimeDefault' },
};
/** Node and its libraries write nothing to disk but temporary files; the root filesystem stays read-only. */
const tmpVolume = { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } };
const tmpMount = { name: 'tmp', mountPath: '/tmp' };
/**
 * CloudNativePG's CA, for `sslmode=verify-full&sslrootcert=/etc/mercato/postgres-ca/ca.crt` in the
 * database URLs (docs/deploy.md). Optional: without the Secret the pod starts, and URLs without TLS work.
 */
const postgresCaVolume = { name: 'postgres-ca', secret: { secretName: 'mercato-postgres-ca', optional: true } };
const postgresCaMount = { name: 'postgres-ca', mountPath: '/etc/mercato/postgres-ca', readOnly: true };

/** The image's command for a process: `node services/<name>/src/main.ts`, run from the image's working directory. */
export const commandOf = (name: string) => ['node', `services/${name}/src/main.ts`];

function deployment(entry: Entry): Manifest {
  const sizing = sizingOf(entry.name);
  const env = envOf(entry);
  const envFrom = [{ configMapRef: { name: 'mercato-config' } }];
  const volumeMounts = entry.database ? [tmpMount, postgresCaMount] : [tmpMount];
  const main = {
    name: entry.name,
    image: IMAGE,
    imagePullPolicy: 'IfNotPresent',
    command: commandOf(entry.name),
    ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }],
    envFrom,
    env,
    resources: { requests: { cpu: sizing.cpu[0], memory: sizing.memory[0] }, limits: { cpu: sizing.cpu[1], memory: sizing.memory[1] } },
    // The kit's health endpoints (packages/kit/src/service/service-http.ts): no token needed. `live`
    // answers as soon as the process listens, which is after its migrations and its bus connection.
    startupProbe: { httpGet: { path: '/health/live', port: 'http' }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
    // `ready` checks the database and turns 503 once a stop has begun, so the pod leaves the endpoints first.
    readinessProbe: { httpGet: { path: '/health/ready', port: 'http' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
    livenessProbe: { httpGet: { path: '/health/live', port: 'http' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    // Endpoints are removed while the pod still serves: SIGTERM comes after the callers have stopped choosing it.
    lifecycle: { preStop: { sleep: { seconds: 5 } } },
    securityContext: containerSecurity,
    volumeMounts,
  };
  // Once per rollout: every new pod's init step brings the schema up to date before its process starts.
  // The first applies the rollout's migrations under Kysely's advisory lock; the others find nothing to do
  // (packages/kit/src/service/migrate-only.ts). The process then migrates again at start, a no-op.
  const migrate = entry.database
    ? [
        {
          name: 'migrate',
          image: IMAGE,
          imagePullPolicy: 'IfNotPresent',
          command: commandOf(entry.name),
          envFrom,
          env: [...env, { name: 'MERCATO_MIGRATE_ONLY', value: '1' }],
          resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          securityContext: containerSecurity,
          volumeMounts,
        },
      ]
    : [];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: entry.name, labels: labelsOf(entry.name, componentOf(entry)) },
    spec: {
      // No `replicas`: the HorizontalPodAutoscaler owns it, and `kubectl apply` must not reset it.
      revisionHistoryLimit: 5,
      selector: selectorOf(entry.name),
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: labelsOf(entry.name, componentOf(entry)),
          annotations: { 'kubectl.kubernetes.io/default-container': entry.name },
        },
        spec: {
          serviceAccountName: entry.name,
          automountServiceAccountToken: false,
          // Service links would put `<NAME>_PORT=tcp://…` for every Service into the environment, and
          // GATEWAY_PORT is the gateway's own setting: DNS is how processes find each other here.
          enableServiceLinks: false,
          securityContext: podSecurity,
          // The drain bound (MERCATO_SHUTDOWN_TIMEOUT_MS, 10 s) + the kit's close grace (4 s) + preStop (5 s) fit.
          terminationGracePeriodSeconds: 30,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: selectorOf(entry.name),
            },
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: selectorOf(entry.name),
            },
          ],
          initContainers: migrate,
          containers: [main],
          volumes: entry.database ? [tmpVolume, postgresCaVolume] : [tmpVolume],
        },
      },
    },
  };
}

function service(entry: Entry): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: entry.name, labels: labelsOf(entry.name, componentOf(entry)) },
    spec: {
      type: 'ClusterIP',
      selector: selectorOf(entry.name).matchLabels,
      ports: [{ name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
    },
  };
}

function autoscaler(entry: Entry): Manifest {
  const [min, max] = sizingOf(entry.name).replicas;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: entry.name, labels: labelsOf(entry.name, componentOf(entry)) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: entry.name },
      minReplicas: min,
      maxReplicas: max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      // Up at once, down slowly: a shop's traffic comes in waves.
      behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
  };
}

function disruptionBudget(entry: Entry): Manifest {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: entry.name, labels: labelsOf(entry.name, componentOf(entry)) },
    spec: {
      // One pod at a time: with two or more replicas one always serves; a single replica (dev) can still be drained.
      maxUnavailable: 1,
      // A pod that is not ready serves nobody: evicting it must not be blocked (a crash-looping pod would hold a drain).
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: selectorOf(entry.name),
    },
  };
}

function serviceAccount(name: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'mercato' } },
    // One account per process: a mesh's identity (Linkerd, Istio) is the account, so each process is told apart.
    automountServiceAccountToken: false,
  };
}

// ————— network policies —————

const TCP = (port: number | string) => ({ protocol: 'TCP', port });
const httpPorts = [TCP(HTTP_PORT), TCP(MESH_INBOUND_PORT)];
const podPeer = (name: string) => ({ podSelector: selectorOf(name) });
const dataPeer = (podLabels: Record<string, string>) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': DATA_NAMESPACE } },
  podSelector: { matchLabels: podLabels },
});
/**
 * Any CloudNativePG instance of the data namespace (the operator labels them `cnpg.io/podRole: instance`), not
 * only `mercato-pg`'s: a cluster restored from a backup under a new name is reachable once the URLs name it.
 */
export const POSTGRES_PEER = dataPeer({ 'cnpg.io/podRole': 'instance' });
export const NATS_PEER = dataPeer({ 'app.kubernetes.io/name': 'nats' });
export const REDIS_PEER = dataPeer({ 'app.kubernetes.io/name': 'redis' });
const postgresRule = { to: [POSTGRES_PEER], ports: [TCP(5432)] };

function networkPolicy(entry: Entry): Manifest {
  const ingressFrom = callersOf(entry.name).map(podPeer);
  const ingress: Manifest[] = ingressFrom.length > 0 ? [{ from: ingressFrom, ports: httpPorts }] : [];
  // Only the gateway takes traffic from outside the namespace: from the ingress controller's namespace.
  if (entry.role === 'gateway') {
    ingress.push({ from: [{ namespaceSelector: { matchLabels: { [INGRESS_NAMESPACE_LABEL]: 'true' } } }], ports: httpPorts });
  }
  const callees = calleesOf(entry.name);
  const egress: Manifest[] = callees.length > 0 ? [{ to: callees.map(podPeer), ports: httpPorts }] : [];
  if (entry.database) egress.push(postgresRule);
  if (usesBus(entry)) egress.push({ to: [NATS_PEER], ports: [TCP(4222)] });
  if (entry.role === 'gateway') egress.push({ to: [REDIS_PEER], ports: [TCP(6379)] });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: entry.name, labels: labelsOf(entry.name, componentOf(entry)) },
    spec: { podSelector: selectorOf(entry.name), policyTypes: ['Ingress', 'Egress'], ingress, egress },
  };
}

function sharedNetworkPolicies(): Manifest[] {
  const mercatoPods = { matchLabels: { 'app.kubernetes.io/part-of': 'mercato' } };
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny' },
      // Every pod of the namespace, ours or not: nothing in or out unless a policy below allows it.
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'dns' },
      spec: {
        podSelector: mercatoPods,
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'prometheus-scrape' },
      spec: {
        // The processes' /metrics (deploy/observability/prometheus-kubernetes.yml); not the task pods.
        podSelector: {
          matchLabels: { 'app.kubernetes.io/part-of': 'mercato' },
          matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['service', 'gateway'] }],
        },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { [MONITORING_NAMESPACE_LABEL]: 'true' } },
                podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
              },
            ],
            ports: httpPorts,
          },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: SEED_TASK, labels: labelsOf(SEED_TASK, 'task') },
      spec: { podSelector: selectorOf(SEED_TASK), policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [postgresRule] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: CLI_TASK, labels: labelsOf(CLI_TASK, 'task') },
      spec: {
        podSelector: selectorOf(CLI_TASK),
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [{ to: calleesOf(CLI_TASK).map(podPeer), ports: httpPorts }],
      },
    },
  ];
}

// ————— tasks (suspended CronJobs, run with `kubectl create job --from=cronjob/<name>`) —————

/** Signing key rotation as the `mercato` client, through identity's Service (what `mercato keys rotate` does via the registry). */
const ROTATE_SCRIPT = `const identity = 'http://identity';
const token = await fetch(identity + '/oauth/token', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'mercato', client_secret: process.env.MERCATO_CLIENT_SECRET, audience: 'identity' }),
}).then((r) => r.json());
if (!token.access_token) throw new Error('identity refused the mercato client a token: ' + (token.detail ?? JSON.stringify(token)));
const answer = await fetch(identity + '/internal/keys/rotate', { method: 'POST', headers: { authorization: 'Bearer ' + token.access_token } });
const body = await answer.json();
if (answer.status !== 200) throw new Error('identity refused to rotate: ' + (body.detail ?? answer.status));
console.log('identity signs with key ' + body.kid + '; restart identity so every replica signs with it (docs/deploy.md)');
`;

/** A task's pods are labelled as who they act as (`name`); the CronJob is named for what it does. */
function task(name: string, command: string[], env: Manifest[], cronJob = name): Manifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: cronJob, labels: labelsOf(name, 'task') },
    spec: {
      // Never on a schedule: a template for `kubectl create job --from=cronjob/<this> <job-name>`.
      suspend: true,
      schedule: '0 0 1 1 *',
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: {
          backoffLimit: 1,
          ttlSecondsAfterFinished: 86_400,
          template: {
            metadata: { labels: labelsOf(name, 'task') },
            spec: {
              restartPolicy: 'Never',
              serviceAccountName: name,
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: podSecurity,
              containers: [
                {
                  name,
                  image: IMAGE,
                  imagePullPolicy: 'IfNotPresent',
                  command,
                  envFrom: [{ configMapRef: { name: 'mercato-config' } }],
                  env,
                  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
                  securityContext: containerSecurity,
                  volumeMounts: [tmpMount, postgresCaMount],
                },
              ],
              volumes: [tmpVolume, postgresCaVolume],
            },
          },
        },
      },
    },
  };
}

function tasks(): Manifest[] {
  const catalogUrl = databaseUrlVariable('catalog');
  const inventoryUrl = databaseUrlVariable('inventory');
  return [
    serviceAccount(SEED_TASK),
    // `mercato seed`: the demo store (or `--products N`), straight into catalog's and inventory's databases; run it again and it adds nothing twice.
    task(
      SEED_TASK,
      ['node', 'packages/cli/src/bin.ts', 'seed'],
      [
        { name: catalogUrl, valueFrom: secretRef(secretOf('catalog'), catalogUrl) },
        { name: inventoryUrl, valueFrom: secretRef(secretOf('inventory'), inventoryUrl) },
      ],
    ),
    serviceAccount(CLI_TASK),
    task(
      CLI_TASK,
      ['node', '--input-type=module', '-e', ROTATE_SCRIPT],
      [{ name: 'MERCATO_CLIENT_SECRET', valueFrom: secretRef(secretOf('cli'), 'MERCATO_CLIENT_SECRET') }],
      'mercato-rotate-signing-key',
    ),
  ];
}

// ————— the predictive autoscaler's controller —————

/**
 * Requests per second one pod answers within the latency SLO: the controller plans for 80 % of it.
 * Starting points from the benchmarks on 2 shared cores (docs/adr/0013: single routes through the
 * gateway, cart GET ≈1,350 req/s, a product ≈1,100, a listing ≈500, the browse mix ≈700 at the
 * gateway; docs/adr/0022: an order is ≈10 gateway requests and ≈230 ms of CPU across the platform),
 * rounded down. Measure your own with `npm run bench -- browse` and set them in your overlay.
 */
export const CAPACITY_RPS: Record<string, number> = {
  gateway: 700,
  identity: 200,
  catalog: 500,
  inventory: 1000,
  cart: 1000,
  orders: 200,
  payments: 200,
  recommendations: 500,
};
export const capacityOf = (name: string) => CAPACITY_RPS[name] ?? 200;
/** The services the controller looks after: every process with an HPA. */
const scaled = () => DEPLOYED.map((entry) => entry.name);

/** The controller's settings (AUTOSCALER_* , packages/autoscaler/src/kubernetes/config.ts); the floor is each HPA's minReplicas as deployed. */
export function autoscalerConfig(): Record<string, string> {
  return {
    PROMETHEUS_URL,
    AUTOSCALER_CAPACITY_RPS: JSON.stringify(Object.fromEntries(scaled().map((name) => [name, capacityOf(name)]))),
    AUTOSCALER_FLOORS: JSON.stringify(Object.fromEntries(scaled().map((name) => [name, sizingOf(name).replicas[0]]))),
    // Prometheus's scrape interval (deploy/observability/prometheus-kubernetes.yml): a shorter step reads the same samples.
    AUTOSCALER_STEP_MS: '15000',
  };
}

function autoscalerController(): Manifest[] {
  const labels = labelsOf(AUTOSCALER, 'controller');
  return [
    {
      ...serviceAccount(AUTOSCALER),
      metadata: { name: AUTOSCALER, labels },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: AUTOSCALER, labels },
      // All it does on the API server: read the HPAs of this namespace and patch their minReplicas. Not
      // Deployments, not their scale: the HPAs own replicas.
      rules: [{ apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list', 'watch', 'patch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: AUTOSCALER, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: AUTOSCALER },
      subjects: [{ kind: 'ServiceAccount', name: AUTOSCALER }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: AUTOSCALER, labels },
      spec: {
        // One controller: two would patch the same HPAs from two forecasts. Recreate keeps it one during a rollout too;
        // while it is away the HPAs keep the minReplicas last set and go on scaling on CPU.
        replicas: 1,
        revisionHistoryLimit: 5,
        strategy: { type: 'Recreate' },
        selector: selectorOf(AUTOSCALER),
        template: {
          metadata: { labels, annotations: { 'kubectl.kubernetes.io/default-container': AUTOSCALER } },
          spec: {
            serviceAccountName: AUTOSCALER,
            // The one pod with an API token: its Role above is all the token opens.
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: podSecurity,
            terminationGracePeriodSeconds: 15,
            containers: [
              {
                name: AUTOSCALER,
                image: IMAGE,
                imagePullPolicy: 'IfNotPresent',
                command: ['node', 'packages/autoscaler/src/kubernetes/main.ts'],
                ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }],
                // PORT, MERCATO_HOST, LOG_LEVEL from the shared ConfigMap; its own settings from mercato-autoscaler.
                envFrom: [{ configMapRef: { name: 'mercato-config' } }, { configMapRef: { name: AUTOSCALER } }],
                env: [
                  { name: 'AUTOSCALER_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  // The gateway presents the gateway-ops client's secret (HTTP Basic) to read /events and /scaling; the
                  // controller checks it against identity's table of secret hashes and never holds a secret itself.
                  {
                    name: 'AUTOSCALER_SERVICE_CLIENTS',
                    valueFrom: secretRef(secretOf('identity'), 'IDENTITY_SERVICE_CLIENTS'),
                  },
                  // A dozen services' readings and an HTTP client: a small heap is plenty.
                  { name: 'NODE_OPTIONS', value: '--max-old-space-size=128' },
                ],
                resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
                startupProbe: {
                  httpGet: { path: '/health/live', port: 'http' },
                  periodSeconds: 2,
                  timeoutSeconds: 2,
                  failureThreshold: 30,
                },
                // Ready after its first step (the API server and Prometheus were asked, whatever they answered).
                readinessProbe: {
                  httpGet: { path: '/health/ready', port: 'http' },
                  periodSeconds: 5,
                  timeoutSeconds: 2,
                  failureThreshold: 2,
                },
                livenessProbe: {
                  httpGet: { path: '/health/live', port: 'http' },
                  periodSeconds: 10,
                  timeoutSeconds: 2,
                  failureThreshold: 3,
                },
                securityContext: containerSecurity,
                volumeMounts: [tmpMount],
              },
            ],
            volumes: [tmpVolume],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: AUTOSCALER, labels },
      spec: {
        type: 'ClusterIP',
        selector: selectorOf(AUTOSCALER).matchLabels,
        ports: [{ name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: AUTOSCALER, labels },
      spec: {
        podSelector: selectorOf(AUTOSCALER),
        policyTypes: ['Ingress', 'Egress'],
        // Only the gateway reads the control API (its probes come from the kubelet, which policies do not filter).
        ingress: [{ from: [podPeer('gateway')], ports: httpPorts }],
        egress: [
          // The API server is no pod: narrow this to its address in your overlay (docs/deploy.md, "Network policies").
          { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [TCP(443), TCP(6443)] },
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [MONITORING_NAMESPACE_LABEL]: 'true' } },
                podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
              },
            ],
            ports: [TCP(PROMETHEUS_PORT)],
          },
        ],
      },
    },
  ];
}

// ————— configuration —————

/** The shared, non-secret configuration: every process reads it (`envFrom`). */
export const CONFIG: Record<string, string> = {
  DISCOVERY: 'dns',
  MERCATO_DNS_PORT: String(SERVICE_PORT),
  MERCATO_HOST: '0.0.0.0',
  PORT: String(HTTP_PORT),
  LOG_LEVEL: 'info',
  MERCATO_ISSUER: 'mercato',
  MERCATO_CURRENCY: 'USD',
  MERCATO_BUS_NAMESPACE: 'mercato',
  // Behind an Ingress every client reaches the gateway from the controller's address, and the gateway
  // keys its per-address limits on the TCP peer: one bucket for the whole shop. The per-address limits
  // move to the ingress controller (docs/deploy.md); the per-user limit stays here.
  MERCATO_RATE_LIMIT_ANON: '0',
  MERCATO_RATE_LIMIT_AUTH: '0',
  // docs/adr/0021: large blocks mapped on their own and returned when freed.
  MALLOC_MMAP_THRESHOLD_: '131072',
};

function baseKustomization(files: string[]): Manifest {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    labels: [{ pairs: { 'app.kubernetes.io/part-of': 'mercato' }, includeSelectors: false }],
    resources: [...files, 'ingress.yaml'],
    configMapGenerator: [
      { name: 'mercato-config', literals: Object.entries(CONFIG).map(([k, v]) => `${k}=${v}`) },
      { name: AUTOSCALER, literals: Object.entries(autoscalerConfig()).map(([k, v]) => `${k}=${v}`) },
    ],
  };
}

// ————— dev-only secrets (overlays/dev/secrets) and the databases (dependencies/) —————

/** Client ids that hold a secret: every deployed process, the gateway's ops client, the `mercato` command. */
function clientIds(): string[] {
  return [...DEPLOYED.map((entry) => entry.name), GATEWAY_OPS_CLIENT, CLI_CLIENT];
}
/**
 * Dev-only values, public in this repository: derived from a fixed word so they are stable, long
 * enough for the schemas, and never to be used for data anyone cares about.
 */
const devValue = (what: string) => `dev-only-${createHash('sha256').update(`mercato dev ${what}`).digest('base64url').slice(0, 24)}`;
export const devDataKey = () => createHash('sha256').update('mercato dev data key').digest('base64');
export const devRolePassword = (service: string) => devValue(`role ${service}`);
export const devClientSecret = (client: string) => devValue(`client ${client}`);
const roleOf = (service: string) => `mercato_${service.replace(/-/g, '_')}`;
export const databaseOf = roleOf;
export function devDatabaseUrl(service: string): string {
  const role = roleOf(service);
  return `postgres://${role}:${devRolePassword(service)}@${PG_CLUSTER}-rw.${DATA_NAMESPACE}.svc:5432/${role}`;
}

function envFile(values: Record<string, string>): string {
  return `${Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

function devSecrets(): Map<string, string> {
  const files = new Map<string, string>();
  const hashes = Object.fromEntries(clientIds().map((id) => [id, createHash('sha256').update(devClientSecret(id)).digest('hex')]));
  const generators: Manifest[] = [];
  const add = (name: string, values: Record<string, string>) => {
    files.set(`overlays/dev/secrets/${name}.env`, envFile(values));
    generators.push({ name, envs: [`${name}.env`] });
  };
  for (const entry of DEPLOYED) {
    const values: Record<string, string> = { MERCATO_CLIENT_SECRET: devClientSecret(entry.name) };
    if (entry.database) values[databaseUrlVariable(entry.name)] = devDatabaseUrl(entry.name);
    for (const [variable, secret] of Object.entries(entry.secrets)) {
      if (secret === 'client-secret-hashes') values[variable] = JSON.stringify(hashes);
      if (secret === 'ops-client-secret') values[variable] = devClientSecret(GATEWAY_OPS_CLIENT);
    }
    if (entry.name === 'identity') {
      values.MERCATO_ADMIN_EMAIL = 'admin@mercato.local';
      values.MERCATO_ADMIN_PASSWORD = devValue('admin password');
    }
    add(secretOf(entry.name), values);
  }
  add(secretOf('cli'), { MERCATO_CLIENT_SECRET: devClientSecret(CLI_CLIENT) });
  add('mercato-data-key', { MERCATO_DATA_KEY: devDataKey() });
  add('mercato-nats', { NATS_URL: `nats://nats.${DATA_NAMESPACE}.svc:4222` });
  add('mercato-redis', { REDIS_URL: `redis://redis-master.${DATA_NAMESPACE}.svc:6379` });
  files.set(
    'overlays/dev/secrets/kustomization.yaml',
    yamlFile(
      [
        {
          apiVersion: 'kustomize.config.k8s.io/v1alpha1',
          kind: 'Component',
          secretGenerator: generators,
        },
      ],
      'DEV ONLY. These values are public (they are in git): for a cluster on your laptop, never for data anyone cares\n' +
        'about. Production Secrets are made out of band with the same names and keys (docs/deploy.md, "Secrets").',
    ),
  );
  return files;
}

/** The roles and databases CloudNativePG makes: one each per service that owns a database, as `mercato up` provisions. */
function databases(): Manifest[] {
  return DEPLOYED.filter((entry) => entry.database).map((entry) => ({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Database',
    metadata: { name: `${PG_CLUSTER}-${entry.name}` },
    spec: { name: databaseOf(entry.name), owner: roleOf(entry.name), cluster: { name: PG_CLUSTER } },
  }));
}
export function managedRoles(): Manifest[] {
  return DEPLOYED.filter((entry) => entry.database).map((entry) => ({
    name: roleOf(entry.name),
    ensure: 'present',
    login: true,
    passwordSecret: { name: `${PG_CLUSTER}-role-${entry.name}` },
  }));
}

function devRoleSecrets(): Manifest {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1alpha1',
    kind: 'Component',
    secretGenerator: DEPLOYED.filter((entry) => entry.database).map((entry) => ({
      name: `${PG_CLUSTER}-role-${entry.name}`,
      type: 'kubernetes.io/basic-auth',
      literals: [`username=${roleOf(entry.name)}`, `password=${devRolePassword(entry.name)}`],
      options: { disableNameSuffixHash: true },
    })),
  };
}

// ————— files —————

const GENERATED =
  'Generated by deploy/k8s/generate.ts from packages/contracts/src/topology.ts: edit the generator, then run\n`node deploy/k8s/generate.ts`. npm run test:deploy fails when this file and the generator disagree.';

function yamlFile(documents: Manifest[], note?: string): string {
  const lines = [...GENERATED.split('\n'), ...(note ? ['', ...note.split('\n')] : [])];
  const header = lines.map((line) => (line ? `# ${line}` : '#')).join('\n');
  return `${header}\n${documents.map((document) => stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n')}`;
}

export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const resources: string[] = [];
  for (const entry of DEPLOYED) {
    const file = `${entry.name}.yaml`;
    resources.push(file);
    files.set(
      `base/${file}`,
      yamlFile(
        [serviceAccount(entry.name), deployment(entry), service(entry), autoscaler(entry), disruptionBudget(entry), networkPolicy(entry)],
        `${entry.name}: calls ${calleesOf(entry.name).join(', ') || 'nobody'}; called by ${callersOf(entry.name).join(', ') || 'nobody'}` +
          (entry.role === 'gateway' ? ' and the ingress controller' : ''),
      ),
    );
  }
  files.set('base/network-policies.yaml', yamlFile(sharedNetworkPolicies()));
  files.set('base/tasks.yaml', yamlFile(tasks()));
  files.set(
    `base/${AUTOSCALER}.yaml`,
    yamlFile(
      autoscalerController(),
      `${AUTOSCALER}: sets each HPA's minReplicas ahead of the forecast (docs/deploy.md, "Scaling a service"); called by gateway;\ncalls the Kubernetes API and Prometheus`,
    ),
  );
  files.set(
    'base/kustomization.yaml',
    yamlFile([baseKustomization([...resources, 'network-policies.yaml', 'tasks.yaml', `${AUTOSCALER}.yaml`])]),
  );
  for (const [path, text] of devSecrets()) files.set(path, text);
  files.set(
    'dependencies/postgres/databases.yaml',
    yamlFile(databases(), `One database per service, owned by its own role (managed in cluster.yaml's spec.managed.roles).`),
  );
  files.set(
    'dependencies/postgres/roles.yaml',
    yamlFile(
      [
        {
          apiVersion: 'postgresql.cnpg.io/v1',
          kind: 'Cluster',
          metadata: { name: PG_CLUSTER },
          spec: { managed: { roles: managedRoles() } },
        },
      ],
      'A patch of cluster.yaml (dependencies/postgres/kustomization.yaml): one login role per service that owns a database,\nits password from the basic-auth Secret named here.',
    ),
  );
  files.set(
    'dependencies/dev/role-secrets/kustomization.yaml',
    yamlFile([devRoleSecrets()], "DEV ONLY: the role passwords the dev overlay's database URLs carry. Public; never for real data."),
  );
  return files;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const differing: string[] = [];
  for (const [path, text] of generatedFiles()) {
    const file = join(K8S_DIR, path);
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current === text) continue;
    if (check) {
      differing.push(relative(process.cwd(), file));
      continue;
    }
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`);
  }
  if (differing.length > 0) {
    process.stderr.write(`out of date (run node deploy/k8s/generate.ts): ${differing.join(', ')}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
