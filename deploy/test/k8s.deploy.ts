// biome-ignore-all lint/suspicious/noExplicitAny: rendered Kubernetes objects are read as untyped YAML
/**
 * `npm run test:deploy` (this file): deploy/k8s holds together, with no cluster.
 * - every overlay renders with `kubectl kustomize` (a missing kubectl fails this file with one line);
 * - every object validates against the Kubernetes schemas (kubernetes-models, offline);
 * - every workload: probes on the kit's health endpoints, requests and limits, a restricted security
 *   context, a tagged image (never `latest`), a command naming a process of the topology, the
 *   migrations' init step, and every variable its config schema requires provided by the ConfigMap or
 *   a Secret (for dev, the whole configuration loads through the kit's own loader);
 * - the NetworkPolicies, evaluated as Kubernetes would, allow exactly the calls the topology implies
 *   (packages/contracts/src/topology.ts), plus PostgreSQL, NATS, Redis, DNS and the Kubernetes API,
 *   and cover every pod;
 * - the generated files match deploy/k8s/generate.ts; the CloudNativePG roles and databases match the
 *   topology and the dev overlay's URLs; docs/deploy.md names every Secret made out of band.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI_CLIENT, GATEWAY_OPS_CLIENT, OPS_CALLERS, type ProcessEntry, TOPOLOGY } from '@mercato/contracts/topology';
import * as models from 'kubernetes-models';
import { parseAllDocuments } from 'yaml';
import { loadControllerConfig } from '../../packages/autoscaler/src/kubernetes/config.ts';
import { databaseUrlVariable } from '../../packages/kit/src/service/database-url-variable.ts';
import { loadServiceConfig } from '../../packages/kit/src/service/service-config.ts';
import { generatedFiles, K8S_DIR } from '../k8s/generate.ts';

const REPO = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const K8S = resolve(REPO, 'deploy/k8s');

// A machine without kubectl fails here, in one line, before any test: never a silent pass.
const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  process.stderr.write('test:deploy needs kubectl (it renders deploy/k8s with `kubectl kustomize`); install kubectl 1.27 or later\n');
  process.exit(1);
}

type K8sObject = Record<string, any>;
function render(dir: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', join(K8S, dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr.trim()}`);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS())
    .filter(Boolean);
}

// ————— what the topology says —————

const PROCESSES: readonly ProcessEntry[] = TOPOLOGY;
/** With DISCOVERY=dns nothing registers and every process finds the others by Service name: no registry pod. */
const DEPLOYED = PROCESSES.filter((entry) => entry.role !== 'registry');
const CLI_POD = 'mercato-cli';
const SEED_POD = 'mercato-seed';
/**
 * The predictive autoscaler's controller: the one pod with an API token (to set HPAs' minReplicas),
 * called by the gateway alone (MERCATO_CONTROL_URL: events and scaling state for the ops console).
 */
const CONTROLLER_POD = 'mercato-autoscaler';
const CONTROLLER_COMMAND = ['node', 'packages/autoscaler/src/kubernetes/main.ts'];
/**
 * The pods each client id runs in. `gateway-ops` is the gateway's second credential. The `mercato`
 * command's client runs as the `mercato-cli` task pod, for the internal routes that name it (signing key
 * rotation); its other use, the operators' paths (`OPS_CALLERS`: dead letters, metrics), goes through
 * the gateway's ops console on Kubernetes, so it reaches no other service.
 */
const podOfClient = (client: string) => (client === GATEWAY_OPS_CLIENT ? 'gateway' : client === CLI_CLIENT ? CLI_POD : client);

/** `caller→callee` for every call the topology implies, derived here independently of the generator. */
const EXPECTED_CALLS = new Set<string>();
for (const entry of DEPLOYED) {
  // The gateway forwards the public prefixes and gathers the operators' paths (metrics, OpenAPI, dead letters).
  if (entry.role === 'service' && (entry.publicPrefixes.length > 0 || OPS_CALLERS.includes(GATEWAY_OPS_CLIENT))) {
    EXPECTED_CALLS.add(`gateway→${entry.name}`);
  }
  for (const callers of Object.values(entry.internalRoutes))
    for (const client of callers) EXPECTED_CALLS.add(`${podOfClient(client)}→${entry.name}`);
}
// Every holder of a client credential fetches service tokens and the JWKS from identity.
for (const pod of [...DEPLOYED.map((entry) => entry.name), CLI_POD]) if (pod !== 'identity') EXPECTED_CALLS.add(`${pod}→identity`);
// The gateway reads the control loop's events and scaling state; the controller calls no pod of ours.
EXPECTED_CALLS.add(`gateway→${CONTROLLER_POD}`);

// ————— a NetworkPolicy evaluator (what a CNI enforces) —————

interface Peer {
  name: string;
  namespace: string;
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
  ip?: string;
  ports?: Record<string, number>;
}

function matches(selector: any, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const has = expression.key in labels;
    const value = labels[expression.key];
    if (expression.operator === 'In' && !(has && expression.values.includes(value))) return false;
    if (expression.operator === 'NotIn' && has && expression.values.includes(value)) return false;
    if (expression.operator === 'Exists' && !has) return false;
    if (expression.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const toNumber = (address: string) => address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const size = Number(bits);
  if (size === 0) return true;
  const mask = 2 ** 32 - 2 ** (32 - size);
  return (toNumber(ip) & mask) >>> 0 === (toNumber(base ?? '') & mask) >>> 0;
}

/** Whether a policy peer (`from`/`to` entry) designates `peer`, for a policy in `namespace`. */
function peerMatches(entry: any, peer: Peer, namespace: string): boolean {
  if (entry.ipBlock) {
    if (!peer.ip) return false;
    if (!ipInCidr(peer.ip, entry.ipBlock.cidr)) return false;
    return !(entry.ipBlock.except ?? []).some((cidr: string) => ipInCidr(peer.ip ?? '', cidr));
  }
  if (peer.ip) return false;
  if (entry.namespaceSelector) {
    if (!matches(entry.namespaceSelector, peer.namespaceLabels)) return false;
  } else if (peer.namespace !== namespace) return false;
  return entry.podSelector ? matches(entry.podSelector, peer.labels) : true;
}

function portMatches(ports: any[] | undefined, port: number, protocol: string, target: Peer): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((rule) => {
    if ((rule.protocol ?? 'TCP') !== protocol) return false;
    if (rule.port === undefined) return true;
    const number = typeof rule.port === 'number' ? rule.port : target.ports?.[rule.port];
    if (number === undefined) return false;
    return rule.endPort ? port >= number && port <= rule.endPort : port === number;
  });
}

class Network {
  readonly policies: K8sObject[];
  readonly namespace: string;
  constructor(objects: K8sObject[], namespace: string) {
    this.policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    this.namespace = namespace;
  }
  selecting(pod: Peer, type: 'Ingress' | 'Egress'): K8sObject[] {
    if (pod.ip || pod.namespace !== this.namespace) return [];
    return this.policies.filter(
      (policy) => matches(policy.spec.podSelector, pod.labels) && (policy.spec.policyTypes ?? ['Ingress']).includes(type),
    );
  }
  /** Can `from` open a connection to `to` on `port`: `from`'s egress and `to`'s ingress both allow it (each when isolated). */
  allows(from: Peer, to: Peer, port: number, protocol = 'TCP'): boolean {
    return this.#direction(from, to, port, protocol, 'Egress') && this.#direction(to, from, port, protocol, 'Ingress');
  }
  #direction(pod: Peer, other: Peer, port: number, protocol: string, type: 'Ingress' | 'Egress'): boolean {
    if (pod.ip || pod.namespace !== this.namespace) return true; // not ours: its own policies are not in this render
    const selected = this.selecting(pod, type);
    if (selected.length === 0) return true;
    const key = type === 'Ingress' ? 'ingress' : 'egress';
    const peers = type === 'Ingress' ? 'from' : 'to';
    const target = type === 'Ingress' ? pod : other;
    return selected.some((policy) =>
      (policy.spec[key] ?? []).some(
        (rule: any) =>
          (!rule[peers] || rule[peers].some((entry: any) => peerMatches(entry, other, this.namespace))) &&
          portMatches(rule.ports, port, protocol, target),
      ),
    );
  }
}

// ————— the workloads of a render —————

interface Workload {
  kind: 'Deployment' | 'CronJob';
  name: string;
  object: K8sObject;
  pod: K8sObject;
}
function workloads(objects: K8sObject[]): Workload[] {
  const list: Workload[] = [];
  for (const object of objects) {
    if (object.kind === 'Deployment') list.push({ kind: 'Deployment', name: object.metadata.name, object, pod: object.spec.template });
    if (object.kind === 'CronJob')
      list.push({ kind: 'CronJob', name: object.metadata.name, object, pod: object.spec.jobTemplate.spec.template });
  }
  return list;
}
const podName = (workload: Workload) => workload.pod.metadata.labels['app.kubernetes.io/name'] as string;
const containersOf = (pod: K8sObject): K8sObject[] => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];

function peerOf(workload: Workload, namespace: string): Peer {
  const ports: Record<string, number> = {};
  for (const container of workload.pod.spec.containers)
    for (const port of container.ports ?? []) if (port.name) ports[port.name] = port.containerPort;
  return {
    name: podName(workload),
    namespace,
    namespaceLabels: { 'kubernetes.io/metadata.name': namespace },
    labels: workload.pod.metadata.labels,
    ports,
  };
}

/** Pods that are not ours, as the cluster would have them (the labels docs/deploy.md asks for). */
function outsiders(namespace: string) {
  const ns = (name: string, extra: Record<string, string> = {}) => ({ 'kubernetes.io/metadata.name': name, ...extra });
  return {
    ingressController: {
      name: 'ingress controller',
      namespace: 'ingress',
      namespaceLabels: ns('ingress', { 'mercato/ingress-controller': 'true' }),
      labels: { 'app.kubernetes.io/name': 'controller' },
    },
    prometheus: {
      name: 'prometheus',
      namespace: 'monitoring',
      namespaceLabels: ns('monitoring', { 'mercato/prometheus': 'true' }),
      labels: { 'app.kubernetes.io/name': 'prometheus' },
    },
    grafana: {
      name: 'another pod of the monitoring namespace',
      namespace: 'monitoring',
      namespaceLabels: ns('monitoring', { 'mercato/prometheus': 'true' }),
      labels: { 'app.kubernetes.io/name': 'grafana' },
    },
    lookalike: {
      name: 'a pod labelled like ours in another namespace',
      namespace: 'elsewhere',
      namespaceLabels: ns('elsewhere'),
      labels: { 'app.kubernetes.io/name': 'orders', 'app.kubernetes.io/part-of': 'mercato' },
    },
    neighbour: { name: 'a pod of our namespace that is not ours', namespace, namespaceLabels: ns(namespace), labels: { app: 'debug' } },
    postgres: {
      name: 'postgres',
      namespace: 'mercato-data',
      namespaceLabels: ns('mercato-data'),
      labels: { 'cnpg.io/cluster': 'mercato-pg', 'cnpg.io/podRole': 'instance', 'cnpg.io/instanceRole': 'primary' },
    },
    dataNeighbour: {
      name: 'another pod of the data namespace',
      namespace: 'mercato-data',
      namespaceLabels: ns('mercato-data'),
      labels: { 'app.kubernetes.io/name': 'backup-tool' },
    },
    nats: { name: 'nats', namespace: 'mercato-data', namespaceLabels: ns('mercato-data'), labels: { 'app.kubernetes.io/name': 'nats' } },
    redis: { name: 'redis', namespace: 'mercato-data', namespaceLabels: ns('mercato-data'), labels: { 'app.kubernetes.io/name': 'redis' } },
    dns: { name: 'kube-dns', namespace: 'kube-system', namespaceLabels: ns('kube-system'), labels: { 'k8s-app': 'kube-dns' } },
    apiServer: { name: 'the API server', namespace: '', namespaceLabels: {}, labels: {}, ip: '10.0.0.1' },
    internet: { name: 'an address on the internet', namespace: '', namespaceLabels: {}, labels: {}, ip: '203.0.113.7' },
    linkerd: {
      name: 'linkerd control plane',
      namespace: 'linkerd',
      namespaceLabels: ns('linkerd'),
      labels: { 'linkerd.io/control-plane-component': 'destination' },
    },
    linkerdViz: { name: 'linkerd-viz', namespace: 'linkerd-viz', namespaceLabels: ns('linkerd-viz'), labels: { component: 'prometheus' } },
  } satisfies Record<string, Peer>;
}

// ————— configuration —————

type Definition = { name: string; config?: any; port?: { variable: string; default: number }; migrations?: URL };
const definitions = new Map<string, Definition>();
async function definitionOf(name: string): Promise<Definition> {
  let definition = definitions.get(name);
  if (!definition) {
    const module = (await import(join(REPO, 'services', name, 'src/app.ts'))) as Record<string, unknown>;
    const make = Object.entries(module).find(
      ([key, value]) => key.endsWith('Definition') && typeof value === 'function',
    )?.[1] as () => Definition;
    definition = make();
    definitions.set(name, definition);
  }
  return definition;
}

/** Variables a process cannot start without, or without which it cannot work here. */
async function requiredVariables(entry: ProcessEntry): Promise<string[]> {
  const definition = await definitionOf(entry.name);
  const schema = definition.config;
  const ownRequired = schema
    ? (schema.required ?? []).filter((key: string) => schema.properties[key]?.default === undefined)
    : ([] as string[]);
  return [
    ...ownRequired,
    ...(definition.migrations ? [databaseUrlVariable(entry.name)] : []),
    // What `mercato up` supplies from its secrets, and the credential every caller of another service needs.
    ...Object.keys(entry.secrets),
    'MERCATO_CLIENT_SECRET',
    // What makes it work on Kubernetes (checked for their values below).
    'DISCOVERY',
    'MERCATO_DNS_PORT',
    'MERCATO_HOST',
    entry.port?.variable ?? 'PORT',
  ];
}

interface Resolved {
  value?: string;
  /** `secret/key` when the value comes from a Secret this render does not hold (made out of band). */
  outOfBand?: string;
}
/** Where each variable of a container comes from in this render. */
function resolveEnv(container: K8sObject, objects: K8sObject[]): Map<string, Resolved> {
  const byName = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const decoded = (secret: K8sObject, key: string) =>
    secret.stringData?.[key] ?? (secret.data?.[key] === undefined ? undefined : Buffer.from(secret.data[key], 'base64').toString('utf8'));
  const env = new Map<string, Resolved>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const configMap = byName('ConfigMap', source.configMapRef.name);
      assert.ok(configMap, `${container.name}: ConfigMap ${source.configMapRef.name} is not in the render`);
      for (const [key, value] of Object.entries(configMap.data ?? {})) env.set(key, { value: String(value) });
    }
    if (source.secretRef) assert.fail(`${container.name}: envFrom a whole Secret hides which keys it needs; name each one`);
  }
  for (const variable of container.env ?? []) {
    if ('value' in variable) env.set(variable.name, { value: String(variable.value) });
    const from = variable.valueFrom;
    if (!from) continue;
    if (from.fieldRef) env.set(variable.name, { value: `<${from.fieldRef.fieldPath}>` });
    if (from.configMapKeyRef) {
      const value = byName('ConfigMap', from.configMapKeyRef.name)?.data?.[from.configMapKeyRef.key];
      assert.ok(
        value !== undefined || from.configMapKeyRef.optional,
        `${variable.name}: no key ${from.configMapKeyRef.key} in its ConfigMap`,
      );
      if (value !== undefined) env.set(variable.name, { value });
    }
    if (from.secretKeyRef) {
      const { name, key, optional } = from.secretKeyRef;
      const secret = byName('Secret', name);
      if (!secret) {
        if (!optional) env.set(variable.name, { outOfBand: `${name}/${key}` });
        continue;
      }
      const value = decoded(secret, key);
      assert.ok(value !== undefined || optional, `${variable.name}: Secret ${name} has no key ${key}`);
      if (value !== undefined) env.set(variable.name, { value });
    }
  }
  return env;
}

// ————— the checks, per overlay —————

const OVERLAYS = [
  { dir: 'overlays/dev', namespace: 'mercato-dev', mesh: false },
  { dir: 'overlays/prod', namespace: 'mercato', mesh: true },
] as const;
const outOfBandSecrets = new Set<string>();

for (const overlay of OVERLAYS) {
  describe(`deploy/k8s/${overlay.dir}`, () => {
    let objects: K8sObject[];
    let network: Network;
    let pods: Workload[];
    before(() => {
      objects = render(overlay.dir);
      network = new Network(objects, overlay.namespace);
      pods = workloads(objects);
    });

    test('renders with kubectl kustomize into one namespace', () => {
      assert.ok(objects.length > 20);
      for (const object of objects) {
        if (object.kind === 'Namespace') assert.equal(object.metadata.name, overlay.namespace);
        else assert.equal(object.metadata.namespace, overlay.namespace, `${object.kind}/${object.metadata.name}`);
      }
    });

    test('every object is valid against the Kubernetes schemas (kubernetes-models)', () => {
      type ModelClass = new (data: unknown) => { validate(): void };
      // kubernetes-models exports a namespace per API group (`apps`, `networkingK8sIo`), then per version; the core group is `v1`.
      const groups = models as unknown as Record<string, Record<string, Record<string, ModelClass>>>;
      const core = models.v1 as unknown as Record<string, ModelClass>;
      for (const object of objects) {
        const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
        const key = group
          ? group
              .split('.')
              .map((part: string, i: number) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
              .join('')
          : 'v1';
        const Model: ModelClass | undefined = group ? groups[key]?.[version ?? '']?.[object.kind] : core[object.kind];
        assert.ok(Model, `no Kubernetes schema for ${object.apiVersion} ${object.kind}: not a built-in kind`);
        // kustomize folds a long base64 value over lines; the API server's decoder skips the newlines, the schema's `byte` format does not.
        const candidate =
          object.kind === 'Secret' && object.data
            ? { ...object, data: Object.fromEntries(Object.entries(object.data).map(([k, v]) => [k, String(v).replace(/\s/g, '')])) }
            : object;
        try {
          new Model(candidate).validate();
        } catch (error) {
          assert.fail(`${object.kind}/${object.metadata.name}: ${(error as Error).message}`);
        }
      }
    });

    test('runs every process of the topology but the registry, from the command that names it', async () => {
      const deployments = pods.filter((w) => w.kind === 'Deployment' && w.name !== CONTROLLER_POD);
      assert.deepEqual(deployments.map((w) => w.name).sort(), DEPLOYED.map((e) => e.name).sort());
      for (const workload of deployments) {
        const [main] = workload.pod.spec.containers;
        assert.equal(workload.pod.spec.containers.length, 1, `${workload.name}: one container`);
        assert.deepEqual(main.command, ['node', `services/${workload.name}/src/main.ts`], `${workload.name}: its command`);
        assert.ok(existsSync(join(REPO, main.command[1])), `${main.command[1]} exists`);
        assert.equal(podName(workload), workload.name, 'the pods are labelled with the process name (Prometheus, policies)');
        assert.equal(workload.pod.metadata.labels['app.kubernetes.io/part-of'], 'mercato');
      }
      for (const workload of pods.filter((w) => w.kind === 'CronJob')) {
        const [main] = workload.pod.spec.containers;
        assert.equal(main.command[0], 'node');
        if (!main.command.includes('-e')) assert.ok(existsSync(join(REPO, main.command[1])), `${workload.name}: ${main.command[1]} exists`);
        assert.equal(workload.object.spec.suspend, true, `${workload.name} runs only when asked (kubectl create job --from)`);
      }
    });

    test('every image is tagged with a version, never latest', () => {
      for (const workload of pods) {
        for (const container of containersOf(workload.pod)) {
          const image: string = container.image;
          const tag = image.includes('@sha256:') ? 'digest' : /:([^/:]+)$/.exec(image)?.[1];
          assert.ok(tag, `${workload.name}/${container.name}: ${image} has no tag`);
          assert.notEqual(tag, 'latest', `${workload.name}/${container.name}: ${image}`);
        }
      }
    });

    test('every process has startup, readiness and liveness probes on the kit health endpoints', () => {
      for (const workload of pods.filter((w) => w.kind === 'Deployment')) {
        const [main] = workload.pod.spec.containers;
        const http = main.ports.find((p: any) => p.name === 'http');
        assert.ok(http, `${workload.name}: a container port named http`);
        for (const [probe, path] of [
          ['startupProbe', '/health/live'],
          ['readinessProbe', '/health/ready'],
          ['livenessProbe', '/health/live'],
        ] as const) {
          assert.equal(main[probe]?.httpGet?.path, path, `${workload.name}: ${probe}`);
          assert.ok([http.name, http.containerPort].includes(main[probe].httpGet.port), `${workload.name}: ${probe} on the http port`);
        }
      }
    });

    test('every container has CPU and memory requests and limits', () => {
      for (const workload of pods) {
        for (const container of containersOf(workload.pod)) {
          for (const kind of ['requests', 'limits']) {
            for (const resource of ['cpu', 'memory']) {
              assert.ok(container.resources?.[kind]?.[resource], `${workload.name}/${container.name}: ${kind}.${resource}`);
            }
          }
        }
      }
    });

    test('every pod runs as non-root, read-only, without capabilities or privilege escalation, under a seccomp profile', () => {
      for (const workload of pods) {
        const pod = workload.pod.spec;
        assert.equal(pod.securityContext?.runAsNonRoot, true, `${workload.name}: runAsNonRoot`);
        assert.ok(
          Number.isInteger(pod.securityContext?.runAsUser) && pod.securityContext.runAsUser > 0,
          `${workload.name}: a numeric non-root user`,
        );
        // Only the autoscaler controller talks to the API server (its Role: HPAs, below).
        assert.equal(
          pod.automountServiceAccountToken,
          workload.name === CONTROLLER_POD,
          `${workload.name}: an API token only for the controller`,
        );
        // Service links would put <NAME>_PORT=tcp://… into the env; GATEWAY_PORT is a setting of the gateway.
        assert.equal(pod.enableServiceLinks, false, `${workload.name}: no service links`);
        for (const container of containersOf(workload.pod)) {
          const context = container.securityContext ?? {};
          const where = `${workload.name}/${container.name}`;
          assert.notEqual(context.runAsNonRoot, false, where);
          assert.equal(context.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
          assert.equal(context.readOnlyRootFilesystem, true, `${where}: readOnlyRootFilesystem`);
          assert.notEqual(context.privileged, true, `${where}: privileged`);
          assert.ok(context.capabilities?.drop?.includes('ALL'), `${where}: drops ALL capabilities`);
          assert.equal(context.capabilities?.add, undefined, `${where}: adds no capability`);
          const seccomp = context.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
          assert.ok(['RuntimeDefault', 'Localhost'].includes(seccomp), `${where}: a seccomp profile`);
          // The one writable place, for temporary files.
          assert.ok(
            (container.volumeMounts ?? []).some((m: any) => m.mountPath === '/tmp'),
            `${where}: /tmp is writable (an emptyDir)`,
          );
        }
      }
    });

    test('a process that owns a database migrates in an init step before it starts, once per rollout', () => {
      for (const entry of DEPLOYED) {
        const workload = pods.find((w) => w.kind === 'Deployment' && w.name === entry.name);
        assert.ok(workload);
        const init = workload.pod.spec.initContainers ?? [];
        if (!entry.database) {
          assert.equal(init.length, 0, `${entry.name} owns no database`);
          continue;
        }
        const [main] = workload.pod.spec.containers;
        const migrate = init.find((c: any) => c.name === 'migrate');
        assert.ok(migrate, `${entry.name}: a migrate init container`);
        assert.equal(migrate.image, main.image, 'the same image as the process it prepares');
        assert.deepEqual(migrate.command, main.command);
        assert.equal(migrate.env.find((e: any) => e.name === 'MERCATO_MIGRATE_ONLY')?.value, '1');
        const variable = databaseUrlVariable(entry.name);
        assert.deepEqual(
          migrate.env.find((e: any) => e.name === variable),
          main.env.find((e: any) => e.name === variable),
          'the same database as the process',
        );
      }
    });

    test('every variable a process config requires comes from the ConfigMap or a Secret, with Kubernetes values', async () => {
      for (const entry of DEPLOYED) {
        const workload = pods.find((w) => w.kind === 'Deployment' && w.name === entry.name);
        assert.ok(workload);
        const [main] = workload.pod.spec.containers;
        const env = resolveEnv(main, objects);
        for (const variable of await requiredVariables(entry)) {
          const found = env.get(variable);
          assert.ok(found?.value !== undefined || found?.outOfBand, `${entry.name}: ${variable} is provided`);
          if (found.outOfBand) outOfBandSecrets.add(found.outOfBand);
        }
        const value = (name: string) => env.get(name)?.value;
        assert.equal(value('DISCOVERY'), 'dns', `${entry.name}: reaches the others through their Services`);
        assert.equal(value('MERCATO_HOST'), '0.0.0.0', `${entry.name}: listens on the pod's address`);
        const http = main.ports.find((p: any) => p.name === 'http');
        assert.equal(Number(value(entry.port?.variable ?? 'PORT')), http.containerPort, `${entry.name}: listens on its http port`);
        const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === entry.name);
        assert.ok(service, `${entry.name}: a Service of the process's name (DISCOVERY=dns: http://${entry.name})`);
        const servicePort = service.spec.ports.find((p: any) => p.targetPort === 'http' || p.targetPort === http.containerPort);
        assert.equal(Number(value('MERCATO_DNS_PORT')), servicePort?.port, `${entry.name}: MERCATO_DNS_PORT is the Service port`);
        assert.ok(
          matches({ matchLabels: service.spec.selector }, workload.pod.metadata.labels),
          `${entry.name}: its Service selects its pods`,
        );
        // Where every value is in the render (dev), the kit's own loader must accept the whole configuration.
        if (![...env.values()].some((v) => v.outOfBand)) {
          const definition = await definitionOf(entry.name);
          const values = Object.fromEntries([...env].map(([k, v]) => [k, v.value]));
          assert.doesNotThrow(() => loadServiceConfig(definition, values), `${entry.name}: the kit accepts its configuration`);
        }
      }
    });

    test('every process has a HorizontalPodAutoscaler and a PodDisruptionBudget, and the Deployment leaves replicas to the autoscaler', () => {
      for (const workload of pods.filter((w) => w.kind === 'Deployment' && w.name !== CONTROLLER_POD)) {
        const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === workload.name);
        assert.ok(hpa, `${workload.name}: an autoscaler`);
        assert.equal(hpa.spec.scaleTargetRef.kind, 'Deployment');
        assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.minReplicas <= hpa.spec.maxReplicas, `${workload.name}: min ≤ max`);
        assert.equal(workload.object.spec.replicas, undefined, `${workload.name}: no replicas field to fight the autoscaler`);
        const budget = objects.find((o) => o.kind === 'PodDisruptionBudget' && matches(o.spec.selector, workload.pod.metadata.labels));
        assert.ok(budget, `${workload.name}: a disruption budget`);
        if (overlay.dir === 'overlays/prod') assert.ok(hpa.spec.minReplicas >= 2, `${workload.name}: two replicas at least in production`);
      }
    });

    test('the Ingress sends everything to the gateway Service and nothing else', () => {
      const ingresses = objects.filter((o) => o.kind === 'Ingress');
      assert.equal(ingresses.length, 1);
      for (const rule of ingresses[0]?.spec.rules ?? []) {
        for (const path of rule.http.paths) assert.equal(path.backend.service.name, 'gateway');
      }
    });

    test('a default-deny policy and a policy of its own cover every pod, both ways', () => {
      const deny = network.policies.find((p) => Object.keys(p.spec.podSelector ?? {}).length === 0 && !p.spec.ingress && !p.spec.egress);
      assert.ok(deny, 'a policy selecting every pod with no rule');
      assert.deepEqual([...deny.spec.policyTypes].sort(), ['Egress', 'Ingress']);
      for (const workload of pods) {
        const peer = peerOf(workload, overlay.namespace);
        for (const type of ['Ingress', 'Egress'] as const) {
          const own = network
            .selecting(peer, type)
            .filter((p) => p.spec.podSelector?.matchLabels?.['app.kubernetes.io/name'] === podName(workload));
          assert.ok(own.length >= 1, `${podName(workload)}: its own ${type} policy`);
        }
      }
      // No rule anywhere lets in or out whatever comes (an empty from/to).
      for (const policy of network.policies) {
        for (const rule of [...(policy.spec.ingress ?? []), ...(policy.spec.egress ?? [])]) {
          assert.ok((rule.from ?? rule.to)?.length > 0, `${policy.metadata.name}: a rule without peers allows everyone`);
        }
      }
    });

    test('between our pods, exactly the calls the topology implies are allowed', () => {
      const ours = [...new Map(pods.map((w) => [podName(w), peerOf(w, overlay.namespace)])).values()];
      for (const from of ours) {
        for (const to of ours) {
          if (from === to) continue;
          const expected = EXPECTED_CALLS.has(`${from.name}→${to.name}`);
          for (const port of [8080, 4143]) {
            assert.equal(
              network.allows(from, to, port),
              expected,
              `${from.name} → ${to.name}:${port} should be ${expected ? 'allowed' : 'denied'}`,
            );
          }
          assert.equal(network.allows(from, to, 9229), false, `${from.name} → ${to.name}: only the http and mesh ports`);
        }
      }
      // And the topology's calls all have pods on both ends here.
      for (const call of EXPECTED_CALLS) {
        const [from, to] = call.split('→');
        assert.ok(ours.some((p) => p.name === from) && ours.some((p) => p.name === to), `${call}: both ends are deployed`);
      }
    });

    test('from outside: the ingress controller reaches only the gateway, Prometheus only the processes, nobody else anything', () => {
      const outside = outsiders(overlay.namespace);
      for (const workload of pods) {
        const pod = peerOf(workload, overlay.namespace);
        // The processes serve /metrics; the controller serves nothing Prometheus reads.
        const isProcess = workload.kind === 'Deployment' && workload.name !== CONTROLLER_POD;
        for (const port of [8080, 4143]) {
          assert.equal(
            network.allows(outside.ingressController, pod, port),
            pod.name === 'gateway',
            `ingress controller → ${pod.name}:${port}`,
          );
          assert.equal(network.allows(outside.prometheus, pod, port), isProcess, `prometheus → ${pod.name}:${port}`);
          for (const stranger of [outside.grafana, outside.lookalike, outside.neighbour, outside.internet, outside.postgres]) {
            assert.equal(network.allows(stranger, pod, port), false, `${stranger.name} → ${pod.name}:${port}`);
          }
        }
        assert.equal(network.allows(outside.ingressController, pod, 9229), false);
        assert.equal(network.allows(outside.linkerdViz, pod, 4191), overlay.mesh, `linkerd-viz → ${pod.name}: the proxy's metrics`);
        assert.equal(network.allows(outside.linkerdViz, pod, 8080), false);
      }
    });

    test('out of our pods: PostgreSQL, NATS, Redis, DNS and the Kubernetes API only for those that use them', () => {
      const outside = outsiders(overlay.namespace);
      for (const workload of pods) {
        const pod = peerOf(workload, overlay.namespace);
        const entry = DEPLOYED.find((e) => e.name === pod.name);
        const usesDatabase = Boolean(entry?.database) || pod.name === SEED_POD;
        assert.equal(network.allows(pod, outside.postgres, 5432), usesDatabase, `${pod.name} → postgres`);
        // The services, and the gateway, which publishes storefront.product.viewed.
        const usesBus = entry?.role === 'service' || pod.name === 'gateway';
        assert.equal(network.allows(pod, outside.nats, 4222), usesBus, `${pod.name} → nats`);
        assert.equal(network.allows(pod, outside.redis, 6379), pod.name === 'gateway', `${pod.name} → redis`);
        assert.equal(network.allows(pod, outside.dns, 53, 'UDP'), true, `${pod.name} → DNS`);
        assert.equal(network.allows(pod, outside.dns, 53, 'TCP'), true, `${pod.name} → DNS over TCP`);
        // The autoscaler controller alone sets HPAs through the API server, from Prometheus's readings.
        const isController = pod.name === CONTROLLER_POD;
        assert.equal(network.allows(pod, outside.apiServer, 443), isController, `${pod.name} → the API server`);
        assert.equal(network.allows(pod, outside.apiServer, 6443), isController, `${pod.name} → the API server:6443`);
        assert.equal(network.allows(pod, outside.prometheus, 9090), isController, `${pod.name} → prometheus:9090`);
        assert.equal(network.allows(pod, outside.grafana, 9090), false, `${pod.name} → another monitoring pod:9090`);
        assert.equal(network.allows(pod, outside.internet, 80), false, `${pod.name} → the internet`);
        assert.equal(network.allows(pod, outside.postgres, 8080), false);
        for (const stranger of [outside.lookalike, outside.neighbour, outside.grafana, outside.dataNeighbour]) {
          for (const port of [8080, 5432, 4222, 6379])
            assert.equal(network.allows(pod, stranger, port), false, `${pod.name} → ${stranger.name}:${port}`);
        }
        for (const port of [8080, 8086, 8090]) {
          assert.equal(network.allows(pod, outside.linkerd, port), overlay.mesh, `${pod.name} → linkerd control plane:${port}`);
        }
      }
    });

    test('the autoscaler controller: one pod of the one image, its API token, the HPAs it scales with floors at their minReplicas, and the gateway pointed at it', async () => {
      const controller = pods.find((w) => w.kind === 'Deployment' && w.name === CONTROLLER_POD);
      assert.ok(controller, `a Deployment ${CONTROLLER_POD}`);
      assert.equal(controller.object.spec.replicas, 1, 'one controller: two would patch the same HPAs');
      assert.equal(controller.object.spec.strategy?.type, 'Recreate', 'still one during a rollout');
      assert.equal(podName(controller), CONTROLLER_POD);
      assert.equal(controller.pod.spec.containers.length, 1);
      const [main] = controller.pod.spec.containers;
      assert.deepEqual(main.command, CONTROLLER_COMMAND);
      assert.ok(existsSync(join(REPO, main.command[1])), `${main.command[1]} exists`);
      assert.equal(controller.pod.spec.serviceAccountName, CONTROLLER_POD);
      assert.ok(
        objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === CONTROLLER_POD),
        'its own ServiceAccount',
      );
      assert.equal(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === CONTROLLER_POD).length, 0);

      // Its configuration, as its own loader reads it.
      const env = resolveEnv(main, objects);
      const values: Record<string, string> = {};
      for (const [name, found] of env) {
        if (found.outOfBand) outOfBandSecrets.add(found.outOfBand);
        else if (found.value !== undefined) values[name] = found.value;
      }
      assert.equal(values.AUTOSCALER_NAMESPACE, '<metadata.namespace>', 'the namespace of its own pod');
      const gatewayWorkload = pods.find((w) => w.kind === 'Deployment' && w.name === 'gateway');
      const gatewayEnv = resolveEnv(gatewayWorkload?.pod.spec.containers[0], objects);
      // It checks the gateway's credential against identity's table of secret hashes and holds no secret itself.
      const identityWorkload = pods.find((w) => w.kind === 'Deployment' && w.name === 'identity');
      const identityEnv = resolveEnv(identityWorkload?.pod.spec.containers[0], objects);
      const clients = env.get('AUTOSCALER_SERVICE_CLIENTS');
      assert.ok(clients?.value !== undefined || clients?.outOfBand, 'AUTOSCALER_SERVICE_CLIENTS is provided');
      assert.deepEqual(clients, identityEnv.get('IDENTITY_SERVICE_CLIENTS'), "identity's own table of SHA-256s");
      const secretKeys = (main.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.key).filter(Boolean);
      assert.deepEqual(secretKeys, ['IDENTITY_SERVICE_CLIENTS'], 'no client secret, only their hashes');
      const config = loadControllerConfig({
        ...values,
        AUTOSCALER_NAMESPACE: overlay.namespace,
        AUTOSCALER_SERVICE_CLIENTS: values.AUTOSCALER_SERVICE_CLIENTS ?? JSON.stringify({ 'gateway-ops': '0'.repeat(64) }),
      });
      assert.equal(config.stepMs, 15_000);
      const http = main.ports.find((p: any) => p.name === 'http');
      assert.equal(config.port, http.containerPort, 'the control API listens on its http port');
      const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
      assert.deepEqual(
        config.services.map((s) => s.hpa).sort(),
        hpas.map((h) => h.metadata.name).sort(),
        'every HPA is looked after, and only HPAs that exist',
      );
      for (const service of config.services) {
        const hpa = hpas.find((h) => h.metadata.name === service.hpa);
        assert.equal(service.floor, hpa?.spec.minReplicas, `${service.name}: the floor is the HPA's minReplicas as deployed`);
        assert.ok(service.capacityRps > 0);
      }

      // The gateway reads it at its Service.
      const controlUrl = new URL(gatewayEnv.get('MERCATO_CONTROL_URL')?.value ?? '');
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === controlUrl.hostname);
      assert.ok(service, `MERCATO_CONTROL_URL names a Service (${controlUrl.hostname})`);
      assert.ok(matches({ matchLabels: service.spec.selector }, controller.pod.metadata.labels), 'which selects the controller');
      const port = service.spec.ports.find((p: any) => p.port === Number(controlUrl.port || 80));
      assert.ok(port && [http.name, http.containerPort].includes(port.targetPort), 'on the port the control API listens on');
    });

    test('RBAC is least privilege: only the controller is bound, to get/list/watch/patch horizontalpodautoscalers of its namespace', () => {
      assert.equal(objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding').length, 0, 'nothing cluster-wide');
      const bindings = objects.filter((o) => o.kind === 'RoleBinding');
      assert.equal(bindings.length, 1);
      const binding = bindings[0] as K8sObject;
      assert.deepEqual(
        binding.subjects,
        [{ kind: 'ServiceAccount', name: CONTROLLER_POD, namespace: overlay.namespace }],
        'bound to the controller alone',
      );
      assert.equal(binding.roleRef.kind, 'Role');
      const roles = objects.filter((o) => o.kind === 'Role');
      assert.equal(roles.length, 1);
      const role = roles[0] as K8sObject;
      assert.equal(role.metadata.name, binding.roleRef.name);
      const verbs = new Set<string>();
      for (const rule of role.rules) {
        assert.deepEqual(rule.apiGroups, ['autoscaling'], 'the HPA API group only');
        assert.deepEqual(rule.resources, ['horizontalpodautoscalers'], 'HPAs only: not their status, not Deployments, not scale');
        assert.equal(rule.resourceNames, undefined);
        for (const verb of rule.verbs) verbs.add(verb);
      }
      assert.deepEqual([...verbs].sort(), ['get', 'list', 'patch', 'watch'], 'no create, update, delete or wildcard');
      // No other pod can use an API token.
      for (const workload of pods) {
        if (workload.name === CONTROLLER_POD) continue;
        assert.equal(workload.pod.spec.automountServiceAccountToken, false, `${workload.name}: no token`);
        assert.notEqual(workload.pod.spec.serviceAccountName, CONTROLLER_POD, `${workload.name}: not the controller's account`);
      }
    });

    if (overlay.mesh) {
      test('every pod is meshed by Linkerd (mutual TLS), with native sidecars so init steps and Jobs work', () => {
        const namespace = objects.find((o) => o.kind === 'Namespace');
        assert.equal(namespace?.metadata.annotations?.['linkerd.io/inject'], 'enabled');
        for (const workload of pods) {
          const annotations = workload.pod.metadata.annotations ?? {};
          assert.equal(annotations['linkerd.io/inject'], 'enabled', `${workload.name}: injected`);
          assert.equal(annotations['config.beta.linkerd.io/proxy-enable-native-sidecar'], 'true', `${workload.name}: native sidecar`);
        }
      });

      test('nothing secret is in the production render', () => {
        assert.equal(objects.filter((o) => o.kind === 'Secret').length, 0);
      });
    } else {
      test('the dev secrets are marked dev-only', () => {
        const secrets = objects.filter((o) => o.kind === 'Secret');
        assert.ok(secrets.length > 0);
        const text = readFileSync(join(K8S, 'overlays/dev/secrets/kustomization.yaml'), 'utf8');
        assert.match(text, /DEV ONLY/);
      });
    }
  });
}

describe('deploy/k8s beyond the overlays', () => {
  test('the generated files are what deploy/k8s/generate.ts writes (run it after changing the topology)', () => {
    const stale: string[] = [];
    for (const [path, text] of generatedFiles()) {
      const file = join(K8S_DIR, path);
      if (!existsSync(file) || readFileSync(file, 'utf8') !== text) stale.push(path);
    }
    assert.deepEqual(stale, [], 'run `node deploy/k8s/generate.ts`');
  });

  test('CloudNativePG makes one role and one database per service that owns one, matching the URLs the dev overlay passes', () => {
    const dev = render('dependencies/dev');
    const cluster = dev.find((o) => o.kind === 'Cluster');
    assert.ok(cluster);
    assert.equal(cluster.metadata.namespace, 'mercato-data');
    const roles = new Map<string, any>(cluster.spec.managed.roles.map((role: any) => [role.name, role]));
    const overlay = render('overlays/dev');
    for (const entry of DEPLOYED.filter((e) => e.database)) {
      const database = dev.find((o) => o.kind === 'Database' && o.spec.owner === `mercato_${entry.name}`);
      assert.ok(database, `${entry.name}: a Database`);
      assert.equal(database.spec.cluster.name, cluster.metadata.name);
      const role = roles.get(database.spec.owner);
      assert.ok(role?.login, `${entry.name}: a login role owning its database`);
      const roleSecret = dev.find((o) => o.kind === 'Secret' && o.metadata.name === role.passwordSecret.name);
      assert.ok(roleSecret, `${entry.name}: its role's password Secret (dev)`);
      const password = Buffer.from(roleSecret.data.password, 'base64').toString('utf8');
      const variable = databaseUrlVariable(entry.name);
      const secret = overlay.find((o) => o.kind === 'Secret' && o.data?.[variable]);
      const url = new URL(Buffer.from(secret?.data[variable], 'base64').toString('utf8'));
      assert.equal(decodeURIComponent(url.password), password, `${entry.name}: the dev URL carries the role's password`);
      assert.equal(decodeURIComponent(url.username), role.name);
      assert.equal(url.pathname, `/${database.spec.name}`);
      assert.equal(url.hostname, `${cluster.metadata.name}-rw.mercato-data.svc`, 'the primary, through the operator-made Service');
    }
    const prod = render('dependencies/prod');
    assert.equal(prod.filter((o) => o.kind === 'Secret').length, 0, 'production role passwords are made out of band');
    assert.ok(
      prod.find((o) => o.kind === 'ScheduledBackup'),
      'nightly base backups',
    );
  });

  test('docs/deploy.md names every Secret and key made out of band, and leaves the image and compose to deploy/docker', () => {
    const doc = readFileSync(join(REPO, 'docs/deploy.md'), 'utf8');
    assert.ok(outOfBandSecrets.size > 0, 'the production overlay was checked first');
    for (const secretKey of outOfBandSecrets) {
      // Named outright, or through the per-service pattern (`mercato-<service>`, `<SERVICE>_DATABASE_URL`).
      const [secret = '', key = ''] = secretKey.split('/');
      const service = DEPLOYED.find((e) => secret === `mercato-${e.name}`)?.name;
      const pattern = (text: string) =>
        service
          ? text.replace(`mercato-${service}`, 'mercato-<service>').replace(databaseUrlVariable(service), '<SERVICE>_DATABASE_URL')
          : text;
      assert.ok(doc.includes(secret) || doc.includes(pattern(secret)), `docs/deploy.md names the Secret ${secret}`);
      assert.ok(doc.includes(key) || doc.includes(pattern(key)), `docs/deploy.md names the key ${key} of ${secret}`);
    }
    assert.match(doc, /^## Container image and compose$/m);
    assert.match(doc, /deploy\/docker\/README\.md/);
  });
});
