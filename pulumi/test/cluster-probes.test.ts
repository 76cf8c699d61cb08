import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Kafka, logLevel } from 'kafkajs';
import { parseProperties, TOPOLOGY_KEYS } from '@orders/kafka-config';
import { waitFor } from '@orders/testing';
import { REPO_ROOT } from '../src/paths.js';
import { find, kubeObjects, ofKind, podSpecOf, type KubeObject } from './cluster/objects.js';
import { podsOf, type ModelContainer, type ModelPod } from './cluster/pods.js';
import { secretValue } from './cluster/environment.js';
import { runVariant } from './support/program.js';

const KAFKA_JARS = path.join(REPO_ROOT, '.cache', 'kafka', 'lib');
const CLUSTER_HOST = /\b(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\.)+svc\.cluster\.local\b/g;

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function freePort(): Promise<number> {
  for (;;) {
    const port = 21000 + Math.floor(Math.random() * 9000);
    if (!(await portOpen(port))) return port;
  }
}

/**
 * The node's pod, on this machine: the pod's files from the ConfigMap with only hosts,
 * ports and directories moved to loopback and a scratch folder, and its own container
 * command and environment (as the kubelet computes it) with the image's paths moved to
 * the local jars.
 */
class LocalNode {
  process?: ChildProcess;
  output = '';

  constructor(
    readonly pod: ModelPod,
    readonly dir: string,
    readonly localize: (text: string) => string,
    readonly objects: KubeObject[],
  ) {}

  get container(): ModelContainer {
    return this.pod.containers.find((c) => !c.init)!;
  }

  start(): void {
    const etc = path.join(this.dir, 'etc');
    mkdirSync(etc, { recursive: true });
    for (const [file, text] of Object.entries(this.pod.mountedFiles)) writeFileSync(path.join(etc, path.basename(file)), this.localize(text));
    const mountPath = this.container.container.volumeMounts.find((m: any) => m.name === 'config').mountPath as string;
    // A Secret mounted as a directory (the brokers' users): its keys as files, as the kubelet writes them.
    const secretMounts: [string, string][] = [];
    for (const mount of this.container.container.volumeMounts ?? []) {
      const volume = (podSpecOf(this.pod.workload).volumes ?? []).find((v: any) => v.name === mount.name);
      if (!volume?.secret) continue;
      const secret = find(this.objects, 'Secret', this.pod.workload.namespace, volume.secret.secretName)!;
      const local = path.join(this.dir, 'secrets', mount.name);
      mkdirSync(local, { recursive: true });
      for (const key of Object.keys({ ...secret.body.data, ...secret.body.stringData })) writeFileSync(path.join(local, key), secretValue(secret, key)!);
      secretMounts.push([mount.mountPath, local]);
    }
    const local = (text: string) =>
      secretMounts.reduce((t, [from, to]) => t.replaceAll(from, to), this.localize(text).replaceAll(mountPath, etc).replaceAll('/tmp/work', path.join(this.dir, 'work')));
    const env = Object.fromEntries(Object.entries(this.container.environment.env).map(([k, v]) => [k, local(v)]));
    env.KAFKA_LIBS = KAFKA_JARS;
    const [command, ...args] = (this.container.container.command as string[]).map(local);
    this.process = spawn(command!, args, { env: { ...env, PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout!.on('data', (d) => (this.output += d));
    this.process.stderr!.on('data', (d) => (this.output += d));
  }

  async stop(): Promise<void> {
    if (!this.process || this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process!.once('exit', resolve));
    this.process.kill('SIGKILL');
    await exited;
  }
}

/** Runs an exec probe as the kubelet would inside the container, with its ports moved. */
function runExecProbe(command: string[], ports: Map<number, number>): number | null {
  const moved = command.map((part) => part.replace(/\/dev\/tcp\/127\.0\.0\.1\/(\d+)/g, (_, p) => `/dev/tcp/127.0.0.1/${ports.get(Number(p)) ?? p}`));
  return spawnSync(moved[0]!, moved.slice(1), { timeout: 5000 }).status;
}

for (const mode of ['zookeeper', 'kraft'] as const) {
  describe(`cluster model, ${mode}: ZooKeeper and Kafka started here from the cluster's files, with the pods' own commands; their probes pass`, function () {
    this.timeout(180000);
    let objects: KubeObject[];
    let dir: string;
    const ports = new Map<number, number>();
    const nodes: LocalNode[] = [];

    before(async function () {
      objects = kubeObjects((await runVariant('kind', mode)).resources);
      dir = mkdtempSync(path.join(tmpdir(), `cluster-${mode}-`));
      for (const p of [2181, 9092, 9093, 9094]) ports.set(p, await freePort());
      const localize = (text: string) =>
        text
          .replace(CLUSTER_HOST, '127.0.0.1')
          .replaceAll('0.0.0.0', '127.0.0.1')
          .replace(/:(2181|9092|9093|9094)\b/g, (_, p) => `:${ports.get(Number(p))}`)
          .replace(/^clientPort=2181$/m, `clientPort=${ports.get(2181)}`)
          .replaceAll('/var/lib/kafka/data', path.join(dir, 'kafka'))
          .replaceAll('/var/lib/zookeeper', path.join(dir, 'zookeeper'));
      const statefulSets = ofKind(objects, 'StatefulSet').filter((s) => s.namespace === 'kafka');
      for (const name of ['kafka-zookeeper', 'kafka']) {
        const set = statefulSets.find((s) => s.name === name);
        if (!set) continue;
        const node = new LocalNode(podsOf(objects, set)[0]!, path.join(dir, name), localize, objects);
        nodes.push(node);
        node.start();
        const port = name === 'kafka' ? ports.get(9092)! : ports.get(2181)!;
        await waitFor(
          `${name} on ${port}`,
          async () => {
            if (node.process!.exitCode !== null) throw new Error(`${name} exited ${node.process!.exitCode}:\n${node.output}`);
            return portOpen(port);
          },
          90000,
          200,
        );
      }
    });

    const userOf = (user: string) => {
      const secret = ofKind(objects, 'Secret').find((o) => o.namespace === 'kafka' && o.name === 'kafka-users')!;
      return { mechanism: 'scram-sha-512' as const, username: user, password: secretValue(secret, user)! };
    };

    after(async function () {
      for (const node of nodes) await node.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('runs every node from the rendered ConfigMap through pulumi/kafka-config/start.sh, not from an image template', function () {
      expect(nodes.map((n) => n.pod.workload.name)).to.deep.equal(mode === 'zookeeper' ? ['kafka-zookeeper', 'kafka'] : ['kafka']);
      for (const node of nodes) {
        const command = node.container.container.command as string[];
        expect(command.slice(0, 2), node.pod.name).to.deep.equal(['sh', '/etc/kafka-config/start.sh']);
        expect(Object.keys(node.pod.mountedFiles).map((f) => path.basename(f))).to.include.members(['start.sh', 'log4j.properties']);
      }
    });

    it('the files the nodes ran from differ from the ConfigMap only in hosts, ports and directories', function () {
      for (const node of nodes) {
        for (const [file, text] of Object.entries(node.pod.mountedFiles).filter(([f]) => f.endsWith('.properties') && !f.includes('log4j'))) {
          const cluster = parseProperties(text);
          const local = parseProperties(node.localize(text));
          const changed = [...cluster.keys()].filter((k) => cluster.get(k) !== local.get(k));
          expect(changed.filter((k) => !(TOPOLOGY_KEYS as readonly string[]).includes(k)), file).to.deep.equal([]);
        }
      }
    });

    if (mode === 'zookeeper') {
      it("ZooKeeper's readiness and liveness probes (ruok) pass", function () {
        const zookeeper = nodes.find((n) => n.pod.workload.name === 'kafka-zookeeper')!;
        const { readinessProbe, livenessProbe } = zookeeper.container.container;
        expect(runExecProbe(readinessProbe.exec.command, ports)).to.equal(0);
        expect(runExecProbe(livenessProbe.exec.command, ports)).to.equal(0);
      });
    }

    it("the broker serves as node 0 (the pod ordinal) and its TCP probes pass on the pod's port", async function () {
      const broker = nodes.find((n) => n.pod.workload.name === 'kafka')!;
      const { readinessProbe, livenessProbe } = broker.container.container;
      for (const probe of [readinessProbe, livenessProbe]) expect(await portOpen(ports.get(probe.tcpSocket.port)!)).to.equal(true);
      const kafka = new Kafka({ brokers: [`127.0.0.1:${ports.get(9092)}`], sasl: userOf('admin'), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const cluster = await admin.describeCluster();
        expect(cluster.brokers.map((b) => [b.nodeId, b.port])).to.deep.equal([[0, ports.get(9092)]]);
      } finally {
        await admin.disconnect();
      }
    });

    it("knows the stack's Kafka users (SCRAM, from the brokers' Secret) and refuses a wrong password and no authentication", async function () {
      const connect = async (sasl: any) => {
        const admin = new Kafka({ brokers: [`127.0.0.1:${ports.get(9092)}`], ...(sasl ? { sasl } : {}), logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000 }).admin();
        try {
          await admin.connect();
          await admin.describeCluster();
          return 'ok';
        } catch (error) {
          return (error as Error).name;
        } finally {
          await admin.disconnect();
        }
      };
      for (const user of ['admin', 'order-service', 'payment-service', 'inventory-service', 'kafka-ui']) expect(await connect(userOf(user)), user).to.equal('ok');
      expect(await connect({ ...userOf('order-service'), password: 'wrong' })).to.equal('KafkaJSSASLAuthenticationError');
      expect(await connect(undefined)).to.not.equal('ok');
    });
  });
}

describe('cluster model: the PostgreSQL probes and the migration Jobs\' wait, run against the local PostgreSQL', function () {
  this.timeout(60000);

  it('pg_isready probes of every database, and each migration Job init container, succeed', async function () {
    const objects = kubeObjects((await runVariant('kind', 'zookeeper')).resources);
    const databases = ofKind(objects, 'StatefulSet').filter((s) => s.name.endsWith('-postgres'));
    expect(databases).to.have.length(4); // the identity service's too
    for (const db of databases) {
      const container = podsOf(objects, db)[0]!.containers[0]!.container;
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        const result = spawnSync(probe.exec.command[0], probe.exec.command.slice(1), { timeout: 10000 });
        expect(result.status, `${db.name}: ${probe.exec.command.join(' ')}`).to.equal(0);
      }
    }
    const jobs = ofKind(objects, 'Job').filter((j) => j.name.includes('-migrate-'));
    expect(jobs).to.have.length(4);
    for (const job of jobs) {
      const init = podsOf(objects, job)[0]!.containers.find((c) => c.init)!;
      const env = { ...init.environment.env, DB_HOST: '127.0.0.1', DB_PORT: String(process.env.PGPORT ?? 5432), PATH: process.env.PATH };
      const result = spawnSync(init.container.command[0], init.container.command.slice(1), { env, timeout: 15000 });
      expect(result.status, `${job.name}: ${init.container.command.join(' ')}`).to.equal(0);
      // The database it waits for is the one its service uses.
      const service = find(objects, 'Service', job.namespace, init.environment.env.DB_HOST!.split('.')[0]!);
      expect(service, job.name).to.not.equal(undefined);
    }
  });
});
