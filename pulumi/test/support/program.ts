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
  resources: DeclaredResource[];
  outputs: Record<string, any>;
}

/** Runs the whole program for one flavour and Kafka mode under mocks. */
export async function runVariant(flavour: Flavour, mode: Mode, extra: Record<string, string> = {}): Promise<Variant> {
  const config: Record<string, string> = {
    clusterFlavour: flavour,
    kafkaMode: mode,
    dozzleAuth: 'true',
    ...TEST_SECRETS,
    ...(flavour === 'registry' ? { imageRegistry: 'registry.example.test:5000', nodeAddress: '10.0.0.5' } : {}),
    ...extra,
  };
  const { resources, outputs } = await runProgram(`${flavour}-${mode}`, config, Object.keys(TEST_SECRETS), () =>
    deployStack(loadStackConfig(), `${PROJECT}/${flavour}-${mode}`),
  );
  return { flavour, mode, resources, outputs: outputs as Record<string, any> };
}

export const VARIANTS: [Flavour, Mode][] = [
  ['kind', 'zookeeper'],
  ['kind', 'kraft'],
  ['minikube', 'zookeeper'],
  ['minikube', 'kraft'],
  ['registry', 'zookeeper'],
  ['registry', 'kraft'],
];

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
