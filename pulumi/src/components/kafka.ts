import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { kraftClusterId, log4jProperties, renderKafkaFiles, startScript, type KafkaMode } from '@orders/kafka-config';
import {
  checksum,
  labels,
  podSecurity,
  podSpec,
  restrictedContainer,
  serviceHost,
  volumeClaim,
} from '../k8s.js';
import { allowConnections, type Pods } from '../network.js';
import { parseQuantityMi } from '../quantity.js';
import { kafkaBrokerSize, SIZES } from '../sizing.js';

export const KAFKA_PORT = 9092;
export const CONTROLLER_PORT = 9093;
export const ZOOKEEPER_PORT = 2181;
/** appuser of the apache/kafka image. */
const KAFKA_UID = 1000;
/** Where the apache/kafka image keeps the distribution's jars. */
const KAFKA_LIBS = '/opt/kafka/libs';
const CONFIG_DIR = '/etc/kafka-config';
const WORK_DIR = '/tmp/work';

export interface KafkaArgs {
  namespace: pulumi.Output<string>;
  namespaceName: string;
  mode: KafkaMode;
  brokers: number;
  /** An Apache Kafka image (the whole distribution under /opt/kafka): brokers and ZooKeeper run from it. */
  image: string;
  kafkaStorage: string;
  zookeeperStorage: string;
  storageClass: string;
  memoryLimit: string;
  /** Seeds the KRaft cluster id, so it is stable for a stack. */
  clusterKey: string;
}

/**
 * Apache Kafka in ZooKeeper mode (one ZooKeeper, then the brokers) or in KRaft mode
 * (combined broker/controller nodes). Every node runs pulumi/kafka-config/start.sh with the
 * files pulumi/kafka-config renders (the ConfigMap `kafka-config`), exactly as the local
 * infrastructure does; the node id is the pod ordinal and each broker advertises its
 * stable name under the headless Service. The client Service is created once the brokers
 * are ready, so the provider's wait on it sees them.
 */
export class Kafka extends pulumi.ComponentResource {
  /** Bootstrap servers for clients inside the cluster. */
  readonly bootstrapServers: string;
  readonly podLabels: Record<string, string>;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly zookeeperLabels: Record<string, string> | null;
  /** The brokers' pods. */
  readonly pods: Pods;
  /** The ports the nodes connect to each other on (clients only ever use KAFKA_PORT). */
  private readonly peerPorts: number[];

  constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:messaging:Kafka', name, {}, opts);
    const headless = `${name}-headless`;
    const zk = `${name}-zookeeper`;
    const kraft = args.mode === 'kraft';
    this.podLabels = labels(name, 'broker');
    this.zookeeperLabels = kraft ? null : labels(zk, 'coordination');
    this.peerPorts = kraft ? [KAFKA_PORT, CONTROLLER_PORT] : [KAFKA_PORT];
    this.bootstrapServers = `${serviceHost(name, args.namespaceName)}:${KAFKA_PORT}`;
    this.pods = { namespace: args.namespace, namespaceName: args.namespaceName, app: name };

    const files = renderKafkaFiles({
      mode: args.mode,
      nodes: args.brokers,
      nodeHost: `${name}-{id}.${serviceHost(headless, args.namespaceName)}`,
      bindAddress: '0.0.0.0',
      ports: { client: KAFKA_PORT, controller: CONTROLLER_PORT, zookeeper: ZOOKEEPER_PORT },
      zookeeperConnect: `${serviceHost(zk, args.namespaceName)}:${ZOOKEEPER_PORT}`,
      dataDir: '/var/lib/kafka/data/logs',
      zookeeperDataDir: '/var/lib/zookeeper/data',
    });
    const configData: Record<string, string> = { ...files, 'start.sh': startScript(), 'log4j.properties': log4jProperties() };
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: `${name}-config`, namespace: args.namespace, labels: this.podLabels }, data: configData },
      { parent: this },
    );
    // Each node mounts only its own file, the start script and the log configuration.
    const configVolumes = (file: string) => [
      { name: 'config', configMap: { name: `${name}-config`, items: [file, 'start.sh', 'log4j.properties'].map((key) => ({ key, path: key })) } },
      { name: 'tmp', emptyDir: {} },
    ];
    const configMounts = [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    const nodeEnv = (heap: string): k8s.types.input.core.v1.EnvVar[] => [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'KAFKA_LIBS', value: KAFKA_LIBS },
      { name: 'KAFKA_LOG4J', value: `${CONFIG_DIR}/log4j.properties` },
      { name: 'KAFKA_HEAP_OPTS', value: heap },
      { name: 'KAFKA_JVM_OPTS', value: '-Djava.awt.headless=true' },
    ];
    const start = (role: 'kafka' | 'zookeeper', file: string) => ['sh', `${CONFIG_DIR}/start.sh`, role, `${CONFIG_DIR}/${file}`, WORK_DIR];
    const template = (podLabels: Record<string, string>) => ({
      labels: podLabels,
      // A change of the rendered files restarts the nodes.
      annotations: { 'orders.example/config-checksum': checksum(configData) },
    });

    let zookeeper: k8s.apps.v1.StatefulSet | undefined;
    if (this.zookeeperLabels) {
      const zkService = new k8s.core.v1.Service(
        zk,
        {
          metadata: { name: zk, namespace: args.namespace, labels: this.zookeeperLabels },
          spec: { clusterIP: 'None', selector: { app: zk }, ports: [{ name: 'client', port: ZOOKEEPER_PORT }] },
        },
        { parent: this },
      );
      // `ruok` is allowed by the rendered zookeeper.properties (4lw.commands.whitelist).
      const ruok = ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${ZOOKEEPER_PORT} && printf ruok >&3 && grep -q imok <&3`];
      zookeeper = new k8s.apps.v1.StatefulSet(
        zk,
        {
          metadata: { name: zk, namespace: args.namespace, labels: this.zookeeperLabels },
          spec: {
            serviceName: zk,
            replicas: 1,
            selector: { matchLabels: { app: zk } },
            template: {
              metadata: template(this.zookeeperLabels),
              spec: podSpec({
                securityContext: podSecurity(KAFKA_UID),
                containers: [
                  {
                    name: 'zookeeper',
                    image: args.image,
                    command: start('zookeeper', 'zookeeper.properties'),
                    ports: [{ name: 'client', containerPort: ZOOKEEPER_PORT }],
                    env: nodeEnv('-Xms64m -Xmx192m'),
                    securityContext: restrictedContainer(KAFKA_UID),
                    resources: SIZES.zookeeper,
                    readinessProbe: { exec: { command: ruok }, periodSeconds: 5, timeoutSeconds: 3 },
                    livenessProbe: { exec: { command: ruok }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5 },
                    volumeMounts: [...configMounts, { name: 'data', mountPath: '/var/lib/zookeeper' }],
                  },
                ],
                volumes: configVolumes('zookeeper.properties'),
              }),
            },
            volumeClaimTemplates: [volumeClaim('data', args.zookeeperStorage, args.storageClass)],
          },
        },
        { parent: this, dependsOn: [zkService, config] },
      );
      const zookeeperPods = { namespace: args.namespace, namespaceName: args.namespaceName, app: zk };
      allowConnections('zookeeper-ingress', zookeeperPods, [this.pods], [ZOOKEEPER_PORT], { parent: this });
    }
    // Brokers replicate from each other; KRaft voters also talk on the controller port.
    allowConnections(`${name}-peers`, this.pods, [this.pods], this.peerPorts, { parent: this });

    const headlessService = new k8s.core.v1.Service(
      headless,
      {
        metadata: { name: headless, namespace: args.namespace, labels: this.podLabels },
        spec: {
          clusterIP: 'None',
          // Brokers find each other (and KRaft voters their quorum) before they are ready.
          publishNotReadyAddresses: true,
          selector: { app: name },
          ports: [
            { name: 'kafka', port: KAFKA_PORT },
            ...(kraft ? [{ name: 'controller', port: CONTROLLER_PORT }] : []),
          ],
        },
      },
      { parent: this },
    );

    const heapMb = Math.max(256, Math.floor(parseQuantityMi(args.memoryLimit) / 2));
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: { name, namespace: args.namespace, labels: this.podLabels },
        spec: {
          serviceName: headless,
          replicas: args.brokers,
          // KRaft voters need each other's votes before any of them is ready.
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: { app: name } },
          template: {
            metadata: template(this.podLabels),
            spec: podSpec({
              securityContext: podSecurity(KAFKA_UID),
              terminationGracePeriodSeconds: 60,
              containers: [
                {
                  name: 'kafka',
                  image: args.image,
                  command: start('kafka', 'server.properties'),
                  ports: [
                    { name: 'kafka', containerPort: KAFKA_PORT },
                    ...(kraft ? [{ name: 'controller', containerPort: CONTROLLER_PORT }] : []),
                  ],
                  env: [
                    ...nodeEnv(`-Xms${heapMb}m -Xmx${heapMb}m`),
                    ...(kraft ? [{ name: 'KAFKA_CLUSTER_ID', value: kraftClusterId(args.clusterKey) }] : []),
                  ],
                  securityContext: restrictedContainer(KAFKA_UID),
                  resources: kafkaBrokerSize(args.memoryLimit),
                  readinessProbe: { tcpSocket: { port: KAFKA_PORT }, initialDelaySeconds: 10, periodSeconds: 5 },
                  livenessProbe: { tcpSocket: { port: KAFKA_PORT }, initialDelaySeconds: 90, periodSeconds: 15, failureThreshold: 4 },
                  volumeMounts: [...configMounts, { name: 'data', mountPath: '/var/lib/kafka/data' }],
                },
              ],
              volumes: configVolumes('server.properties'),
            }),
          },
          volumeClaimTemplates: [volumeClaim('data', args.kafkaStorage, args.storageClass)],
        },
      },
      { parent: this, dependsOn: [config, headlessService, ...(zookeeper ? [zookeeper] : [])] },
    );

    new k8s.core.v1.Service(
      name,
      {
        metadata: { name, namespace: args.namespace, labels: this.podLabels },
        spec: { selector: { app: name }, ports: [{ name: 'kafka', port: KAFKA_PORT, targetPort: KAFKA_PORT }] },
      },
      { parent: this, dependsOn: [this.statefulSet] },
    );
    if (args.brokers > 1) {
      // A node drain takes one broker at a time (topics are replicated when there are 3).
      new k8s.policy.v1.PodDisruptionBudget(
        name,
        { metadata: { name, namespace: args.namespace, labels: this.podLabels }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } } },
        { parent: this, dependsOn: [this.statefulSet] },
      );
    }
    this.registerOutputs({ bootstrapServers: this.bootstrapServers });
  }

  /** Lets only these pods reach the brokers, on the client port only. */
  admit(clients: readonly Pods[]): void {
    allowConnections(`${this.pods.app}-clients`, this.pods, clients, [KAFKA_PORT], { parent: this });
  }
}
