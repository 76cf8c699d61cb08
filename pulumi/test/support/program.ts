import { loadStackConfig } from '../../src/config.js';
import { deployStack } from '../../src/stack.js';
import { PROJECT, runProgram, type DeclaredResource } from './mocks.js';

export type Flavour = 'kind' | 'minikube' | 'registry';
export type Mode = 'zookeeper' | 'kraft';

/** Secret values the tests set, to prove they never show up outside a Secret. */
export const TEST_SECRETS = {
  orderDbPassword: 'order-pw-Zk29fQ',
  dozzlePassword: 'dozzle-pw-Vb83xM',
};

export interface Variant {
  flavour: Flavour;
  mode: Mode;
  brokers: number;
  replicas: number;
  /** Jaeger deployed, the services sending it spans. */
  tracing: boolean;
  /** The stack config it ran with. */
  config: Record<string, string>;
  resources: DeclaredResource[];
  outputs: Record<string, any>;
}

export const variantName = (v: Pick<Variant, 'flavour' | 'mode' | 'brokers' | 'replicas' | 'tracing'>) =>
  `${v.flavour}/${v.mode}/${v.brokers}-broker${v.brokers > 1 ? 's' : ''}/${v.replicas}-replica${v.replicas > 1 ? 's' : ''}${v.tracing ? '/tracing' : ''}`;

/** Runs the whole program for one flavour and Kafka mode under mocks. */
export async function runVariant(flavour: Flavour, mode: Mode, extra: Record<string, string> = {}): Promise<Variant> {
  const config: Record<string, string> = {
    clusterFlavour: flavour,
    kafkaMode: mode,
    ...TEST_SECRETS,
    ...(flavour === 'registry' ? { imageRegistry: 'registry.example.test:5000', nodeAddress: '10.0.0.5' } : {}),
    ...extra,
  };
  const { resources, outputs } = await runProgram(`${flavour}-${mode}`, config, Object.keys(TEST_SECRETS), () =>
    deployStack(loadStackConfig(), { project: PROJECT, name: `${flavour}-${mode}` }),
  );
  const brokers = Number(config.kafkaBrokers ?? 1);
  const replicas = Number(config.serviceReplicas ?? 1);
  return { flavour, mode, brokers, replicas, tracing: config.tracing === 'true', config, resources, outputs: outputs as Record<string, any> };
}

export const VARIANTS: [Flavour, Mode][] = [
  ['kind', 'zookeeper'],
  ['kind', 'kraft'],
  ['minikube', 'zookeeper'],
  ['minikube', 'kraft'],
  ['registry', 'zookeeper'],
  ['registry', 'kraft'],
];

/**
 * Every variant the cluster model checks: flavour × Kafka mode × 1 or 3 brokers × 1 or 2
 * service replicas; the 3-broker ones also deploy Jaeger (tracing on).
 */
export const MODEL_VARIANTS = VARIANTS.flatMap(([flavour, mode]) =>
  [1, 3].flatMap((brokers) => [1, 2].map((replicas) => ({ flavour, mode, brokers, replicas, tracing: brokers === 3 }))),
);

export const runModelVariant = (v: (typeof MODEL_VARIANTS)[number]) =>
  runVariant(v.flavour, v.mode, { kafkaBrokers: String(v.brokers), serviceReplicas: String(v.replicas), tracing: String(v.tracing) });

let modelVariants: Promise<Variant[]> | undefined;
/** Every model variant, run once per test process (one after another: the mocks are global). */
export function allModelVariants(): Promise<Variant[]> {
  modelVariants ??= (async () => {
    const all: Variant[] = [];
    for (const v of MODEL_VARIANTS) all.push(await runModelVariant(v));
    return all;
  })();
  return modelVariants;
}

export const isKubernetes = (r: DeclaredResource) => r.type.startsWith('kubernetes:') && !r.type.startsWith('pulumi:');

/** Every container (init containers included) of a workload, with the workload it is in. */
export function containersOf(resource: DeclaredResource): { container: any; workload: DeclaredResource; init: boolean }[] {
  const podSpec = resource.inputs.spec?.template?.spec;
  if (!podSpec) return [];
  return [
    ...(podSpec.initContainers ?? []).map((container: any) => ({ container, workload: resource, init: true })),
    ...(podSpec.containers ?? []).map((container: any) => ({ container, workload: resource, init: false })),
  ];
}
