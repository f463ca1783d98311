/**
 * The predictive autoscaler as a Kubernetes controller: `node packages/autoscaler/src/kubernetes/main.ts`
 * (the Deployment `mercato-autoscaler`, deploy/k8s). Every step it reads each service's load from
 * Prometheus and sets its HPA's minReplicas ahead of the forecast; it serves the gateway the events
 * and the scaling state (MERCATO_CONTROL_URL). Configuration: config.ts. Stops on SIGTERM/SIGINT.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { GATEWAY_OPS_CLIENT } from '@mercato/contracts';
import { startControlServer } from '../control/control-server.ts';
import { PredictiveScaler } from '../index.ts';
import { ControllerConfigError, loadControllerConfig } from './config.ts';
import { type ControllerLog, HpaController } from './controller.ts';
import { KubernetesHpas } from './hpa-min-replicas.ts';
import { PrometheusLoad } from './prometheus-load.ts';

/** JSON lines, as the services log (pino's shape: level, time, msg). */
const write = (level: number, fields: object, msg: string) =>
  process.stdout.write(`${JSON.stringify({ level, time: Date.now(), name: 'mercato-autoscaler', ...fields, msg })}\n`);
const log: ControllerLog & { error(fields: object, message: string): void } = {
  info: (fields, message) => write(30, fields, message),
  warn: (fields, message) => write(40, fields, message),
  error: (fields, message) => write(50, fields, message),
};

let config: ReturnType<typeof loadControllerConfig>;
try {
  config = loadControllerConfig(process.env);
} catch (error) {
  if (!(error instanceof ControllerConfigError)) throw error;
  process.stderr.write(`mercato-autoscaler: ${error.message}\n`);
  process.exit(1);
}

const kubeConfig = new KubeConfig();
// In a pod: its ServiceAccount's token and the cluster's CA; elsewhere (a laptop): ~/.kube/config or KUBECONFIG.
if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
else kubeConfig.loadFromDefault();

const controller = new HpaController({
  services: config.services,
  hpas: new KubernetesHpas(kubeConfig, config.namespace),
  load: new PrometheusLoad({ url: config.prometheusUrl }),
  scalerFor: (limits) => new PredictiveScaler(limits, { stepMs: config.stepMs, leadMs: config.leadMs }),
  log,
});

let stepped = false;
// The gateway reads the events and the scaling state here with its gateway-ops credential; ready once a first step is done.
const server = await startControlServer({
  host: config.host,
  port: config.port,
  clientId: GATEWAY_OPS_CLIENT,
  clientSecretSha256: config.opsClientSecretSha256,
  events: controller.events,
  scaling: () => controller.scaling(),
  ready: () => stepped,
});
log.info(
  { port: config.port, namespace: config.namespace, services: config.services.map((s) => s.name), stepMs: config.stepMs },
  'mercato-autoscaler: control API listening; setting HPA minReplicas every step',
);

const step = async () => {
  await controller.step();
  stepped = true;
};
void step();
const timer = setInterval(() => void step(), config.stepMs);

const stop = (signal: string) => {
  log.info({ signal }, 'stopping');
  clearInterval(timer);
  void server.close();
};
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
