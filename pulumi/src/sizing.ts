import { parseCpuMilli, parseQuantityMi } from './quantity.js';
import { DEPLOYED_NAMES, type Settings } from './settings/stack-settings.js';

/** A container's CPU and memory: requests (what the scheduler sets aside on a node) and limits. */
export interface ContainerSize {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

const size = (cpuRequest: string, memoryRequest: string, cpuLimit: string, memoryLimit: string): ContainerSize => ({
  requests: { cpu: cpuRequest, memory: memoryRequest },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

/**
 * The containers whose size is not a stack setting. A request is what the process uses
 * while the system takes 10 orders/s (a demo's load): the mean CPU and the most memory
 * `npm run bench:footprint` measured for it (docs/benchmarks/footprint-<date>.json, the
 * newest; a test holds these to it), rounded up. The images that cannot run here keep
 * requests of their own kind's size (a JVM for Kafka UI, a Go server for Dozzle and
 * metrics-server). Limits leave room for the peaks of load.
 */
export const SIZES = {
  zookeeper: size('10m', '96Mi', '500m', '384Mi'),
  kafkaUi: size('25m', '256Mi', '1', '640Mi'),
  dozzle: size('20m', '32Mi', '250m', '128Mi'),
  jaeger: size('50m', '128Mi', '1', '1Gi'),
  metricsServer: size('10m', '64Mi', '250m', '192Mi'),
  topicsJob: size('25m', '96Mi', '500m', '256Mi'),
  waitForDatabase: size('10m', '16Mi', '100m', '64Mi'),
} as const satisfies Record<string, ContainerSize>;

/** A Kafka broker: its memory limit is a setting (the heap is half of it). */
export const kafkaBrokerSize = (memoryLimit: string) => size('100m', '448Mi', '2', memoryLimit);
/** A PostgreSQL server (one database; the bench's one server holds them all): its memory limit is a setting. */
export const postgresSize = (memoryLimit: string) => size('25m', '128Mi', '1', memoryLimit);
/** A service container (and its migration Job's): all four are settings. */
export const serviceSize = (s: Pick<Settings, 'serviceCpuRequest' | 'serviceMemoryRequest' | 'serviceCpuLimit' | 'serviceMemoryLimit'>) =>
  size(s.serviceCpuRequest, s.serviceMemoryRequest, s.serviceCpuLimit, s.serviceMemoryLimit);

/** Pods of one kind and what each requests. */
export interface PodGroup {
  name: string;
  pods: number;
  cpuMilli: number;
  memoryMi: number;
}

export interface Requests {
  cpuMilli: number;
  memoryMi: number;
}

export interface StackFootprint {
  /** Every pod the stack keeps running. */
  running: PodGroup[];
  /**
   * The most one-off pods a `pulumi up` runs at once beside them: each service's migration
   * Job, then one extra pod of its Deployment while it rolls (maxSurge 1), the four
   * services (the identity service too) at the same time; or the topic Job.
   */
  rollout: PodGroup[];
  /** What the running pods request. */
  steady: Requests;
  /** What a rollout needs on top of a running stack. */
  peak: Requests;
}

const group = (name: string, pods: number, container: ContainerSize): PodGroup => ({
  name,
  pods,
  cpuMilli: parseCpuMilli(container.requests.cpu),
  memoryMi: parseQuantityMi(container.requests.memory),
});

const total = (groups: PodGroup[]): Requests => ({
  cpuMilli: groups.reduce((sum, g) => sum + g.pods * g.cpuMilli, 0),
  memoryMi: groups.reduce((sum, g) => sum + g.pods * g.memoryMi, 0),
});

/** What the stack asks of the cluster's nodes, from its settings alone (the deploy scripts compare it with a node). */
export function stackFootprint(settings: Settings): StackFootprint {
  const service = serviceSize(settings);
  const deployed = DEPLOYED_NAMES.length;
  const running = [
    group('service', deployed * settings.serviceReplicas, service),
    group('postgres', deployed, postgresSize(settings.postgresMemoryLimit)),
    group('kafka', settings.kafkaBrokers, kafkaBrokerSize(settings.kafkaMemoryLimit)),
    ...(settings.kafkaMode === 'zookeeper' ? [group('zookeeper', 1, SIZES.zookeeper)] : []),
    group('kafka-ui', 1, SIZES.kafkaUi),
    group('dozzle', 1, SIZES.dozzle),
    ...(settings.metricsServer ? [group('metrics-server', 1, SIZES.metricsServer)] : []),
    ...(settings.tracing ? [group('jaeger', 1, SIZES.jaeger)] : []),
  ];
  const services = total([group('service', deployed, service)]);
  const topics = total([group('topics', 1, SIZES.topicsJob)]);
  const rollout = services.cpuMilli >= topics.cpuMilli ? [group('migration or surge', deployed, service)] : [group('topics', 1, SIZES.topicsJob)];
  const steady = total(running);
  const extra = total(rollout);
  return { running, rollout, steady, peak: { cpuMilli: steady.cpuMilli + extra.cpuMilli, memoryMi: steady.memoryMi + extra.memoryMi } };
}
