import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CONTROL_PLANE, capacityVerdict, DOCUMENTED_NODES, fitsNode, minimumNode, nodeRoom, podRequests } from '../src/capacity.js';
import { REPO_ROOT } from '../src/paths.js';
import { parseSettings } from '../src/settings/stack-settings.js';
import { stackFootprint } from '../src/sizing.js';
import { buildAwaitGraph } from './cluster/await-graph.js';
import { podSpecOf, replicasOf, workloads } from './cluster/objects.js';
import { allModelVariants, variantName } from './support/program.js';

/** The newest `npm run bench:footprint` record. */
function newestFootprint(): { file: string; footprint: Record<string, { millicores: number; peak_mib: number }> } {
  const dir = path.join(REPO_ROOT, 'docs', 'benchmarks');
  const file = readdirSync(dir)
    .filter((f) => /^footprint-\d{4}-\d{2}-\d{2}\.json$/.test(f))
    .sort()
    .at(-1);
  if (!file) throw new Error('no docs/benchmarks/footprint-<date>.json: run npm run bench:footprint');
  return { file, footprint: JSON.parse(readFileSync(path.join(dir, file), 'utf8')).footprint };
}

/** A fresh kind node of `cpus` and `gib`, with the pods kind runs on it (the requests CONTROL_PLANE sums). */
function freshKindNode(cpus: number, gib: number) {
  const pod = (name: string, cpu: string, memory?: string) => ({
    kind: 'Pod',
    metadata: { name, namespace: 'kube-system', labels: {} },
    spec: { nodeName: 'orders-control-plane', containers: [{ name, resources: { requests: { cpu, ...(memory ? { memory } : {}) } } }] },
    status: { phase: 'Running' },
  });
  return {
    items: [
      { kind: 'Node', metadata: { name: 'orders-control-plane' }, spec: {}, status: { allocatable: { cpu: String(cpus), memory: `${gib * 1024 * 1024}Ki` } } },
      pod('kube-apiserver', '250m'),
      pod('kube-controller-manager', '200m'),
      pod('kube-scheduler', '100m'),
      pod('etcd', '100m', '100Mi'),
      pod('kindnet', '100m', '50Mi'),
      pod('coredns-a', '100m', '70Mi'),
      pod('coredns-b', '100m', '70Mi'),
      { ...pod('kube-proxy', '0'), spec: { nodeName: 'orders-control-plane', containers: [{ name: 'kube-proxy' }] } },
      // Done pods and the stack's own are not counted.
      { ...pod('finished-job', '500m'), status: { phase: 'Succeeded' } },
      { ...pod('order-service', '2'), metadata: { name: 'order-service', namespace: 'order', labels: { 'app.kubernetes.io/part-of': 'order-processing' } } },
    ],
  };
}

describe('sizing: what the stack requests of a node, and the nodes it fits', function () {
  this.timeout(300000);

  it('the running pods of every variant request what stackFootprint computes from the settings alone (the deploy scripts use it)', async function () {
    for (const variant of await allModelVariants()) {
      const { objects } = buildAwaitGraph(variant.resources);
      const running = workloads(objects).filter((w) => w.kind !== 'Job');
      const requested = running.reduce(
        (sum, w) => {
          const one = podRequests(podSpecOf(w));
          return { cpuMilli: sum.cpuMilli + replicasOf(w) * one.cpuMilli, memoryMi: sum.memoryMi + replicasOf(w) * one.memoryMi };
        },
        { cpuMilli: 0, memoryMi: 0 },
      );
      const footprint = stackFootprint(parseSettings(variant.config));
      expect(requested, variantName(variant)).to.deep.equal(footprint.steady);
      // The one-off pods a rollout adds: no Job asks for more than one rollout slot.
      const slot = footprint.rollout[0]!;
      for (const job of workloads(objects).filter((w) => w.kind === 'Job')) {
        const one = podRequests(podSpecOf(job));
        expect(one.cpuMilli, job.name).to.be.at.most(slot.cpuMilli);
        expect(one.memoryMi, job.name).to.be.at.most(slot.memoryMi);
      }
    }
  });

  it('requests are what the processes use at 10 orders/s, from the newest bench:footprint record', async function () {
    const { file, footprint } = newestFootprint();
    const variant = (await allModelVariants()).find((v) => v.flavour === 'kind' && v.mode === 'zookeeper' && v.brokers === 1 && v.replicas === 1)!;
    const { objects } = buildAwaitGraph(variant.resources);
    const requested = (kind: string, name: string) => podRequests(podSpecOf(workloads(objects).find((w) => w.kind === kind && w.name === name)!));
    // At least what was used, and not more than half again plus a little (set from it, not guessed).
    const near = (request: number, used: number, slack: number, what: string) => {
      expect(request, `${what} (${file})`).to.be.at.least(used);
      expect(request, `${what} (${file})`).to.be.at.most(used * 1.5 + slack);
    };
    for (const service of ['order', 'payment', 'inventory']) {
      const used = footprint[service]!;
      const busiest = Math.max(...['order', 'payment', 'inventory'].map((s) => footprint[s]!.millicores));
      const request = requested('Deployment', `${service}-service`);
      // One setting sizes the three: the busiest service's CPU.
      near(request.cpuMilli, busiest, 10, `${service} CPU`);
      expect(request.memoryMi, `${service} memory (${file})`).to.be.at.least(used.peak_mib);
    }
    const broker = requested('StatefulSet', 'kafka');
    near(broker.cpuMilli, footprint.kafka!.millicores, 10, 'Kafka CPU');
    near(broker.memoryMi, footprint.kafka!.peak_mib, 64, 'Kafka memory');
    const zookeeper = requested('StatefulSet', 'kafka-zookeeper');
    near(zookeeper.cpuMilli, footprint.zookeeper!.millicores, 10, 'ZooKeeper CPU');
    near(zookeeper.memoryMi, footprint.zookeeper!.peak_mib, 32, 'ZooKeeper memory');
    // One server held the three databases here; each pod runs one.
    const postgres = ['order', 'payment', 'inventory'].map((s) => requested('StatefulSet', `${s}-postgres`));
    near(postgres.reduce((sum, p) => sum + p.cpuMilli, 0), footprint.postgres!.millicores, 15, 'PostgreSQL CPU, three servers');
    near(postgres.reduce((sum, p) => sum + p.memoryMi, 0), footprint.postgres!.peak_mib, 3 * 128, 'PostgreSQL memory, three servers');
  });

  it('the capacity check: a fresh kind node, the control plane counted, done pods and the stack\'s own not', function () {
    const rooms = nodeRoom(freshKindNode(2, 4));
    expect(rooms).to.have.length(1);
    expect(rooms[0]!.used).to.deep.equal(CONTROL_PLANE.kind);
    expect(rooms[0]!.free).to.deep.equal({ cpuMilli: 1050, memoryMi: 4096 - 290 });
    const small = capacityVerdict(parseSettings({}), rooms);
    expect(small.fits, small.lines.join('\n')).to.equal(true);
    const big = capacityVerdict(parseSettings({ kafkaBrokers: '3', serviceReplicas: '2', tracing: 'true' }), rooms);
    expect(big.fits).to.equal(false);
    expect(big.lines.at(-1)).to.match(/^does not fit: 425m CPU and 930 MiB short\./);
    expect(big.lines[0]).to.include('ZooKeeper mode, 3 brokers, 2 replicas of each service, tracing, metrics-server');
  });

  it('every variant against a kind node of exactly its documented smallest size fits, and one CPU or half a GiB less does not', function () {
    for (const mode of ['zookeeper', 'kraft'] as const) {
      for (const brokers of [1, 3]) {
        for (const replicas of [1, 2]) {
          for (const tracing of [false, true]) {
            const settings = parseSettings({ kafkaMode: mode, kafkaBrokers: String(brokers), serviceReplicas: String(replicas), tracing: String(tracing) });
            const size = minimumNode(stackFootprint(settings), 'kind');
            const name = `${mode}/${brokers}/${replicas}/${tracing}`;
            expect(capacityVerdict(settings, nodeRoom(freshKindNode(size.cpus, size.memoryGiB))).fits, name).to.equal(true);
            expect(capacityVerdict(settings, nodeRoom(freshKindNode(size.cpus - 1, size.memoryGiB))).fits, name).to.equal(false);
            expect(capacityVerdict(settings, nodeRoom(freshKindNode(size.cpus, size.memoryGiB - 0.5))).fits, name).to.equal(false);
          }
        }
      }
    }
  });

  it('prints each variant against each node the README names', async function () {
    const lines: string[] = [];
    for (const variant of await allModelVariants()) {
      const footprint = stackFootprint(parseSettings(variant.config));
      const fits = DOCUMENTED_NODES.map((n) => `${n.name}: ${fitsNode(footprint, n) ? 'fits' : 'does not fit'}`);
      lines.push(`${variantName(variant)}: ${footprint.steady.cpuMilli}m ${Math.round(footprint.steady.memoryMi)} MiB running, ${footprint.peak.cpuMilli}m ${Math.round(footprint.peak.memoryMi)} MiB peak; ${fits.join('; ')}`);
    }
    console.log(`      ${lines.join('\n      ')}`);
    // The default stack fits the smallest documented kind machine.
    expect(fitsNode(stackFootprint(parseSettings({})), DOCUMENTED_NODES[0])).to.equal(true);
  });
});
