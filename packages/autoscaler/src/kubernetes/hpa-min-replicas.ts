/**
 * The one thing the controller changes on Kubernetes: an `autoscaling/v2` HorizontalPodAutoscaler's
 * `spec.minReplicas`, read and merge-patched through the API server with @kubernetes/client-node.
 * The HPA keeps owning `replicas`: it never goes below `minReplicas`, and above it still follows CPU.
 */
import { AutoscalingV2Api, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/** What the controller needs of one HPA, checked at the boundary. */
export interface HpaState {
  name: string;
  minReplicas: number;
  maxReplicas: number;
  /** Pods the HPA's target runs now (status.currentReplicas). */
  currentReplicas: number;
  /** The version read: a patch made with it fails (409) if anyone changed the HPA in between. */
  resourceVersion: string | undefined;
}

export interface HpaPort {
  read(name: string): Promise<HpaState>;
  /** Sets `spec.minReplicas`, only if the HPA is still at `resourceVersion`. */
  setMinReplicas(name: string, minReplicas: number, resourceVersion: string | undefined): Promise<void>;
}

/** An HPA that is not what the controller can act on (missing fields, nonsense bounds). */
export class HpaShapeError extends Error {}

export class KubernetesHpas implements HpaPort {
  readonly #api: AutoscalingV2Api;
  readonly #namespace: string;

  constructor(config: KubeConfig, namespace: string) {
    this.#api = config.makeApiClient(AutoscalingV2Api);
    this.#namespace = namespace;
  }

  async read(name: string): Promise<HpaState> {
    const hpa: unknown = await this.#api.readNamespacedHorizontalPodAutoscaler({ name, namespace: this.#namespace });
    return hpaStateOf(name, hpa);
  }

  async setMinReplicas(name: string, minReplicas: number, resourceVersion: string | undefined): Promise<void> {
    // A JSON merge patch (RFC 7386) of this one field; with the version read, so that a change made
    // in between (an operator lowering maxReplicas) is not overwritten: the API server answers 409.
    const body = { metadata: resourceVersion ? { resourceVersion } : {}, spec: { minReplicas } };
    await this.#api.patchNamespacedHorizontalPodAutoscaler(
      { name, namespace: this.#namespace, body, fieldManager: 'mercato-autoscaler' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

const isCount = (value: unknown, least: number): value is number => Number.isInteger(value) && (value as number) >= least;

/** The fields the controller uses, from an HPA as the client library deserialised it. */
export function hpaStateOf(name: string, hpa: unknown): HpaState {
  const object = hpa as { metadata?: { resourceVersion?: unknown }; spec?: Record<string, unknown>; status?: Record<string, unknown> };
  const spec = object?.spec;
  if (!spec) throw new HpaShapeError(`HorizontalPodAutoscaler ${name} has no spec`);
  // minReplicas defaults to 1 on the API server when left out.
  const minReplicas = spec.minReplicas ?? 1;
  const { maxReplicas } = spec;
  if (!isCount(minReplicas, 1) || !isCount(maxReplicas, 1) || minReplicas > maxReplicas) {
    throw new HpaShapeError(`HorizontalPodAutoscaler ${name}: minReplicas ${minReplicas}, maxReplicas ${maxReplicas}`);
  }
  const currentReplicas = object.status?.currentReplicas ?? 0;
  if (!isCount(currentReplicas, 0)) throw new HpaShapeError(`HorizontalPodAutoscaler ${name}: status.currentReplicas ${currentReplicas}`);
  const version = object.metadata?.resourceVersion;
  return { name, minReplicas, maxReplicas, currentReplicas, resourceVersion: typeof version === 'string' ? version : undefined };
}
