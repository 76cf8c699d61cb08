import { expect } from 'chai';
import { COMMAND_DEPENDENCIES, IDENTITY_CONTRACT, SERVICE_CONTRACTS, type ServiceCommand } from '@orders/contracts';
import { settingsOf } from '@orders/platform';
import { authSettings, commonSettings } from '@orders/runtime';
import { buildAwaitGraph } from './cluster/await-graph.js';
import { hostsIn, resolveHost, type HostReference } from './cluster/hosts.js';
import { KUBELET_PORT } from '../src/network.js';
import { needsOf } from './cluster/image-needs.js';
import { allows, type Connection, type Party } from './cluster/network.js';
import { ofKind, podLabelsOf, podSpecOf, selectedWorkloads, workloads, type KubeObject } from './cluster/objects.js';
import { podsOf, type ModelPod } from './cluster/pods.js';
import { allModelVariants, variantName } from './support/program.js';

/** A pod of the model as a party to connections. */
interface NetPod {
  name: string;
  workload: KubeObject;
  party: Party & { kind: 'pod' };
  ports: { name?: string; containerPort: number; protocol?: string }[];
}

const NODE = { kind: 'address', ip: '172.18.0.1' } as const; // where NodePort traffic comes from (kind's docker network)
const API_SERVER = { kind: 'address', ip: '172.18.0.2' } as const; // the control plane, port 6443
const INTERNET = { kind: 'address', ip: '203.0.113.10' } as const;
const KUBELET = { kind: 'address', ip: '172.18.0.2' } as const; // a node's kubelet, port 10250
const KUBE_DNS: Party = { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.244.0.2' };

function netPods(objects: KubeObject[]): NetPod[] {
  let n = 10;
  return workloads(objects).flatMap((workload) =>
    podsOf(objects, workload).map((pod) => ({
      name: `${workload.namespace}/${pod.name}`,
      workload,
      party: { kind: 'pod' as const, namespace: workload.namespace, labels: podLabelsOf(workload), ip: `10.244.1.${n++}` },
      ports: (podSpecOf(workload).containers ?? []).flatMap((c: any) => c.ports ?? []),
    })),
  );
}

/** The variables of each dependency of a service command, from the services' own settings. */
const DEPENDENCY_VARIABLES = {
  database: settingsOf(commonSettings.db).map((s) => s.env),
  kafka: settingsOf(commonSettings.kafka).map((s) => s.env),
  tracing: settingsOf(commonSettings.tracing).map((s) => s.env),
  identity: [authSettings.jwksUrl.env],
};

/** For a service container: the variables of what its command connects to (COMMAND_DEPENDENCIES); otherwise all. */
function usedEnvironment(container: any, env: Record<string, string>): Record<string, string> {
  const command = (container.command ?? []).at(-1) as ServiceCommand;
  const runs = (entrypoint: readonly string[]) => entrypoint.every((part, i) => container.command?.[i] === part);
  const dependencies = Object.values(SERVICE_CONTRACTS).some((c) => runs(c.entrypoint))
    ? COMMAND_DEPENDENCIES[command]
    : runs(IDENTITY_CONTRACT.entrypoint)
      ? IDENTITY_CONTRACT.connects[command as keyof typeof IDENTITY_CONTRACT.connects]
      : undefined;
  if (!dependencies) return env;
  const used = dependencies.flatMap((d) => DEPENDENCY_VARIABLES[d]);
  return Object.fromEntries(Object.entries(env).filter(([name]) => used.includes(name)));
}

/** Every in-cluster address a pod is configured to connect to: host:port in its texts, and X_HOST with X_PORT in its env. */
function referencesOf(pod: ModelPod): HostReference[] {
  const found = Object.values(pod.mountedFiles).flatMap(hostsIn);
  for (const c of pod.containers) {
    const env = usedEnvironment(c.container, c.environment.env);
    for (const [name, value] of Object.entries(env)) {
      const port = name.endsWith('_HOST') ? env[`${name.slice(0, -'_HOST'.length)}_PORT`] : undefined;
      found.push(...hostsIn(port ? `${value}:${port}` : value));
    }
    found.push(...[...(c.container.command ?? []), ...(c.container.args ?? [])].flatMap(hostsIn));
  }
  return found;
}

interface Flow extends Connection {
  label: string;
}

/** The connections the system makes: from its configuration, NodePorts, DNS and the API. */
function usedFlows(objects: KubeObject[], pods: NetPod[]): { flows: Flow[]; unknownPorts: string[] } {
  const flows: Flow[] = [];
  const unknownPorts: string[] = [];
  for (const source of pods) {
    const model = podsOf(objects, source.workload).find((p) => `${source.workload.namespace}/${p.name}` === source.name)!;
    const references = referencesOf(model);
    for (const reference of references) {
      if (reference.port === undefined) {
        unknownPorts.push(`${source.name}: ${reference.host}`);
        continue;
      }
      const resolution = resolveHost(objects, reference);
      for (const target of pods.filter((p) => resolution.workloads.includes(p.workload) && (!resolution.pod || p.name.endsWith(`/${resolution.pod}`)))) {
        if (target === source) continue;
        flows.push({ label: `${source.name} → ${target.name}:${resolution.containerPort}`, from: source.party, to: target.party, port: resolution.containerPort! });
      }
    }
    if (references.length > 0) {
      for (const protocol of ['UDP', 'TCP'] as const) flows.push({ label: `${source.name} → DNS ${protocol}`, from: source.party, to: KUBE_DNS, port: 53, protocol });
    }
    if (podSpecOf(source.workload).automountServiceAccountToken === true) {
      flows.push({ label: `${source.name} → Kubernetes API`, from: source.party, to: API_SERVER, port: 6443 });
    }
    if (model.containers.some((c) => needsOf(c.container)?.connects.includes('kubelets'))) {
      flows.push({ label: `${source.name} → kubelet:${KUBELET_PORT}`, from: source.party, to: KUBELET, port: KUBELET_PORT });
    }
  }
  // The API server proxies an aggregated API to the pods behind its APIService (from a node's address).
  for (const api of ofKind(objects, 'APIService').filter((a) => a.body.spec.service)) {
    const service = ofKind(objects, 'Service').find((x) => x.namespace === api.body.spec.service.namespace && x.name === api.body.spec.service.name)!;
    const port = service.body.spec.ports.find((p: any) => p.port === (api.body.spec.service.port ?? 443));
    for (const target of pods.filter((p) => selectedWorkloads(service, objects).includes(p.workload))) {
      const containerPort = target.ports.find((p) => p.name === port.targetPort || p.containerPort === port.targetPort)!.containerPort;
      flows.push({ label: `API server → ${target.name}:${containerPort} (APIService ${api.name})`, from: NODE, to: target.party, port: containerPort });
    }
  }
  for (const service of ofKind(objects, 'Service').filter((s) => s.body.spec.type === 'NodePort')) {
    for (const target of pods.filter((p) => selectedWorkloads(service, objects).includes(p.workload))) {
      for (const port of service.body.spec.ports) {
        const containerPort = target.ports.find((p) => p.name === port.targetPort || p.containerPort === port.targetPort)!.containerPort;
        flows.push({ label: `node → ${target.name}:${containerPort} (NodePort ${port.nodePort})`, from: NODE, to: target.party, port: containerPort });
      }
    }
  }
  return { flows, unknownPorts };
}

/** Connections the policies let through that nothing uses (to every port a pod declares, from every pod and from outside). */
function extraFlows(objects: KubeObject[], pods: NetPod[], used: Flow[]): string[] {
  const isUsed = (from: Party, to: Party, port: number) => used.some((f) => f.from === from && f.to === to && f.port === port);
  const extras: string[] = [];
  for (const source of [...pods.map((p) => ({ name: p.name, party: p.party as Party, workload: p.workload })), { name: 'node', party: NODE as Party, workload: null }]) {
    for (const target of pods) {
      // Replicas of one workload (brokers) are peers; a pod reaching itself is not a flow.
      if (source.workload === target.workload) continue;
      for (const port of target.ports) {
        const connection = { from: source.party, to: target.party, port: port.containerPort, ...(port.name ? { portName: port.name } : {}) };
        if (allows(objects, connection) && !isUsed(source.party, target.party, port.containerPort)) {
          extras.push(`${source.name} → ${target.name}:${port.containerPort}`);
        }
      }
    }
    if (source.party.kind === 'pod') {
      for (const port of [80, 443]) {
        const apiUser = isUsed(source.party, API_SERVER, 6443);
        // A pod that talks to the API may reach 443 anywhere (the API's address is not known in advance), nothing else.
        if (allows(objects, { from: source.party, to: INTERNET, port }) && !(apiUser && port === 443)) extras.push(`${source.name} → internet:${port}`);
      }
    }
  }
  return extras;
}

describe('cluster model: network policies against the flows the system uses', function () {
  this.timeout(300000);

  it('every connection the configuration makes is allowed; nothing else is (every model variant)', async function () {
    let checked = 0;
    for (const variant of await allModelVariants()) {
      const name = variantName(variant);
      const { objects } = buildAwaitGraph(variant.resources);
      const pods = netPods(objects);
      const { flows, unknownPorts } = usedFlows(objects, pods);
      expect(unknownPorts, name).to.deep.equal([]);
      const blocked = flows.filter((f) => !allows(objects, f)).map((f) => f.label);
      expect(blocked, `${name}: used but blocked`).to.deep.equal([]);
      expect(extraFlows(objects, pods, flows), `${name}: allowed but unused`).to.deep.equal([]);
      checked += flows.length;
    }
    expect(checked).to.be.greaterThan(500);
  });

  it('names the flows it found (a service to its database and Kafka, brokers to ZooKeeper, the node to the NodePorts)', async function () {
    const variant = (await allModelVariants()).find((v) => v.flavour === 'kind' && v.mode === 'zookeeper' && v.brokers === 1 && v.replicas === 1)!;
    const { objects } = buildAwaitGraph(variant.resources);
    // Job pods carry the Job's hash in their name.
    const labels = usedFlows(objects, netPods(objects)).flows.map((f) => f.label.replace(/-migrate-[0-9a-f]{10}-pod/, '-migrate-pod'));
    expect(labels).to.include.members([
      'order/order-service-pod → order/order-postgres-0:5432',
      'order/order-service-pod → kafka/kafka-0:9092',
      'order/order-service-migrate-pod → order/order-postgres-0:5432',
      'kafka/kafka-0 → kafka/kafka-zookeeper-0:2181',
      'kafka/kafka-ui-pod → kafka/kafka-0:9092',
      'kafka/dozzle-pod → Kubernetes API',
    ]);
    expect(labels).to.include.members([
      'order/order-service-pod → identity/identity-service-pod:3004',
      'identity/identity-service-pod → identity/identity-postgres-0:5432',
    ]);
    expect(labels.filter((l) => l.startsWith('node → ')), 'six NodePorts').to.have.length(6);
  });

  it('with tracing on, every service pod sends its spans to Jaeger and nothing else reaches the collector', async function () {
    const variant = (await allModelVariants()).find((v) => v.flavour === 'kind' && v.mode === 'zookeeper' && v.tracing && v.replicas === 1)!;
    const { objects } = buildAwaitGraph(variant.resources);
    const pods = netPods(objects);
    const labels = usedFlows(objects, pods).flows.map((f) => f.label);
    const toCollector = labels.filter((l) => l.endsWith('tracing/jaeger-pod:4318')).sort();
    expect(toCollector).to.deep.equal(['inventory/inventory-service-pod', 'order/order-service-pod', 'payment/payment-service-pod'].map((p) => `${p} → tracing/jaeger-pod:4318`));
    expect(labels).to.include('node → tracing/jaeger-pod:16686 (NodePort 31686)');
    // Without its policy the spans are refused (the namespace denies all else; the test above finds no extra flow).
    const closed = objects.filter((o) => !(o.kind === 'NetworkPolicy' && o.name === 'jaeger-otlp'));
    const blocked = usedFlows(closed, netPods(closed)).flows.filter((f) => !allows(closed, f)).map((f) => f.label);
    expect(blocked).to.have.length(3).and.satisfy((all: string[]) => all.every((l) => l.endsWith('tracing/jaeger-pod:4318')));
  });

  it('the check can fail: without the policies every pod reaches every port', async function () {
    const variant = (await allModelVariants())[0]!;
    const { objects } = buildAwaitGraph(variant.resources);
    const open = objects.filter((o) => o.kind !== 'NetworkPolicy');
    const pods = netPods(open);
    const extras = extraFlows(open, pods, usedFlows(open, pods).flows);
    expect(extras).to.include('order/order-service-pod → payment/payment-postgres-0:5432');
    expect(extras).to.include('node → order/order-postgres-0:5432');
    expect(extras).to.include('kafka/kafka-ui-pod → internet:443');
  });

  it('the KRaft controller port is open to the other nodes only', async function () {
    const variant = (await allModelVariants()).find((v) => v.mode === 'kraft' && v.brokers === 3)!;
    const { objects } = buildAwaitGraph(variant.resources);
    const pods = netPods(objects);
    const broker = pods.find((p) => p.name === 'kafka/kafka-0')!;
    const peer = pods.find((p) => p.name === 'kafka/kafka-1')!;
    const client = pods.find((p) => p.name.startsWith('order/order-service-pod'))!;
    expect(allows(objects, { from: peer.party, to: broker.party, port: 9093 })).to.equal(true);
    expect(allows(objects, { from: client.party, to: broker.party, port: 9093 })).to.equal(false);
    expect(allows(objects, { from: client.party, to: broker.party, port: 9092 })).to.equal(true);
  });
});
