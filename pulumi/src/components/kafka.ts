import { createHash } from 'node:crypto';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { labels, podSecurity, resources, restrictedContainer, serviceHost, volumeClaim } from '../k8s.js';

export const KAFKA_PORT = 9092;
const CONTROLLER_PORT = 9093;
const ZOOKEEPER_PORT = 2181;
const CONFLUENT_UID = 1000; // appuser of the Confluent images

export interface KafkaArgs {
  namespace: pulumi.Input<string>;
  namespaceName: string;
  mode: 'zookeeper' | 'kraft';
  brokers: number;
  kafkaImage: string;
  zookeeperImage: string;
  kafkaStorage: string;
  zookeeperStorage: string;
  storageClass: string;
  memoryLimit: string;
  /** Seeds the KRaft cluster id, so it is stable for a stack. */
  clusterKey: string;
}

/** A 22-character base64url KRaft cluster id derived from `key`. */
export function kraftClusterId(key: string): string {
  return createHash('sha256').update(key).digest().subarray(0, 16).toString('base64url');
}

/**
 * Apache Kafka in ZooKeeper mode (a ZooKeeper StatefulSet and headless Service, then the
 * brokers) or in KRaft mode (combined broker/controller nodes). Each broker's id is its
 * pod ordinal and it advertises its stable in-cluster name.
 */
export class Kafka extends pulumi.ComponentResource {
  /** Bootstrap servers for clients inside the cluster. */
  readonly bootstrapServers: string;
  readonly podLabels: Record<string, string>;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly zookeeperLabels: Record<string, string> | null;

  constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:messaging:Kafka', name, {}, opts);
    const headless = `${name}-headless`;
    const replication = Math.min(args.brokers, 3);
    this.podLabels = labels(name, 'broker');
    this.bootstrapServers = `${serviceHost(name, args.namespaceName)}:${KAFKA_PORT}`;
    const brokerHost = (i: number) => `${name}-${i}.${serviceHost(headless, args.namespaceName)}`;
    const heapMb = Math.max(256, Math.floor(parseQuantityMi(args.memoryLimit) / 2));

    let zookeeper: k8s.apps.v1.StatefulSet | undefined;
    this.zookeeperLabels = null;
    const modeEnv: k8s.types.input.core.v1.EnvVar[] = [];
    if (args.mode === 'zookeeper') {
      const zk = `${name}-zookeeper`;
      this.zookeeperLabels = labels(zk, 'coordination');
      const zkService = new k8s.core.v1.Service(
        zk,
        {
          metadata: { name: zk, namespace: args.namespace, labels: this.zookeeperLabels },
          spec: { clusterIP: 'None', selector: { app: zk }, ports: [{ name: 'client', port: ZOOKEEPER_PORT }] },
        },
        { parent: this },
      );
      const ruok = ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${ZOOKEEPER_PORT} && echo ruok >&3 && grep -q imok <&3`];
      zookeeper = new k8s.apps.v1.StatefulSet(
        zk,
        {
          metadata: { name: zk, namespace: args.namespace, labels: this.zookeeperLabels },
          spec: {
            serviceName: zk,
            replicas: 1,
            selector: { matchLabels: { app: zk } },
            template: {
              metadata: { labels: this.zookeeperLabels },
              spec: {
                securityContext: podSecurity(CONFLUENT_UID),
                containers: [
                  {
                    name: 'zookeeper',
                    image: args.zookeeperImage,
                    ports: [{ name: 'client', containerPort: ZOOKEEPER_PORT }],
                    env: [
                      { name: 'ZOOKEEPER_CLIENT_PORT', value: String(ZOOKEEPER_PORT) },
                      { name: 'ZOOKEEPER_TICK_TIME', value: '2000' },
                      { name: 'ZOOKEEPER_4LW_COMMANDS_WHITELIST', value: 'ruok,srvr' },
                      { name: 'KAFKA_HEAP_OPTS', value: '-Xms64m -Xmx192m' },
                    ],
                    // The image writes its rendered configuration under /etc at start.
                    securityContext: restrictedContainer(CONFLUENT_UID, { readOnlyRootFilesystem: false }),
                    resources: resources('50m', '192Mi', '500m', '384Mi'),
                    readinessProbe: { exec: { command: ruok }, periodSeconds: 5, timeoutSeconds: 3 },
                    livenessProbe: { exec: { command: ruok }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5 },
                    volumeMounts: [
                      { name: 'data', mountPath: '/var/lib/zookeeper/data', subPath: 'data' },
                      { name: 'data', mountPath: '/var/lib/zookeeper/log', subPath: 'log' },
                    ],
                  },
                ],
              },
            },
            volumeClaimTemplates: [volumeClaim('data', args.zookeeperStorage, args.storageClass)],
          },
        },
        { parent: this, dependsOn: [zkService] },
      );
      modeEnv.push(
        { name: 'KAFKA_ZOOKEEPER_CONNECT', value: `${serviceHost(zk, args.namespaceName)}:${ZOOKEEPER_PORT}` },
        { name: 'KAFKA_LISTENERS', value: `PLAINTEXT://0.0.0.0:${KAFKA_PORT}` },
      );
    } else {
      const voters = Array.from({ length: args.brokers }, (_, i) => `${i}@${brokerHost(i)}:${CONTROLLER_PORT}`).join(',');
      modeEnv.push(
        { name: 'CLUSTER_ID', value: kraftClusterId(args.clusterKey) },
        { name: 'KAFKA_PROCESS_ROLES', value: 'broker,controller' },
        { name: 'KAFKA_CONTROLLER_QUORUM_VOTERS', value: voters },
        { name: 'KAFKA_LISTENERS', value: `PLAINTEXT://0.0.0.0:${KAFKA_PORT},CONTROLLER://0.0.0.0:${CONTROLLER_PORT}` },
        { name: 'KAFKA_CONTROLLER_LISTENER_NAMES', value: 'CONTROLLER' },
        { name: 'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP', value: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT' },
        { name: 'KAFKA_INTER_BROKER_LISTENER_NAME', value: 'PLAINTEXT' },
      );
    }

    const services = [
      new k8s.core.v1.Service(
        headless,
        {
          metadata: { name: headless, namespace: args.namespace, labels: this.podLabels },
          spec: {
            clusterIP: 'None',
            publishNotReadyAddresses: true,
            selector: { app: name },
            ports: [
              { name: 'kafka', port: KAFKA_PORT },
              ...(args.mode === 'kraft' ? [{ name: 'controller', port: CONTROLLER_PORT }] : []),
            ],
          },
        },
        { parent: this },
      ),
      new k8s.core.v1.Service(
        name,
        {
          metadata: { name, namespace: args.namespace, labels: this.podLabels },
          spec: { selector: { app: name }, ports: [{ name: 'kafka', port: KAFKA_PORT, targetPort: KAFKA_PORT }] },
        },
        { parent: this },
      ),
    ];

    const idVariable = args.mode === 'kraft' ? 'KAFKA_NODE_ID' : 'KAFKA_BROKER_ID';
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: { name, namespace: args.namespace, labels: this.podLabels },
        spec: {
          serviceName: headless,
          replicas: args.brokers,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: this.podLabels },
            spec: {
              securityContext: podSecurity(CONFLUENT_UID),
              terminationGracePeriodSeconds: 60,
              containers: [
                {
                  name: 'kafka',
                  image: args.kafkaImage,
                  // The broker (or node) id is the pod ordinal: kafka-0 is 0.
                  command: ['bash', '-c', `export ${idVariable}="\${HOSTNAME##*-}"; exec /etc/confluent/docker/run`],
                  ports: [
                    { name: 'kafka', containerPort: KAFKA_PORT },
                    ...(args.mode === 'kraft' ? [{ name: 'controller', containerPort: CONTROLLER_PORT }] : []),
                  ],
                  env: [
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                    {
                      name: 'KAFKA_ADVERTISED_LISTENERS',
                      value: `PLAINTEXT://$(POD_NAME).${serviceHost(headless, args.namespaceName)}:${KAFKA_PORT}`,
                    },
                    ...modeEnv,
                    { name: 'KAFKA_LOG_DIRS', value: '/var/lib/kafka/data/logs' },
                    { name: 'KAFKA_AUTO_CREATE_TOPICS_ENABLE', value: 'false' },
                    { name: 'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', value: String(replication) },
                    { name: 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', value: String(replication) },
                    { name: 'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR', value: String(Math.min(2, replication)) },
                    { name: 'KAFKA_DEFAULT_REPLICATION_FACTOR', value: String(replication) },
                    { name: 'KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS', value: '0' },
                    { name: 'KAFKA_HEAP_OPTS', value: `-Xms${heapMb}m -Xmx${heapMb}m` },
                  ],
                  securityContext: restrictedContainer(CONFLUENT_UID, { readOnlyRootFilesystem: false }),
                  resources: resources('250m', '512Mi', '2', args.memoryLimit),
                  readinessProbe: { tcpSocket: { port: KAFKA_PORT }, initialDelaySeconds: 10, periodSeconds: 5 },
                  livenessProbe: { tcpSocket: { port: KAFKA_PORT }, initialDelaySeconds: 90, periodSeconds: 15, failureThreshold: 4 },
                  volumeMounts: [{ name: 'data', mountPath: '/var/lib/kafka/data' }],
                },
              ],
            },
          },
          volumeClaimTemplates: [volumeClaim('data', args.kafkaStorage, args.storageClass)],
        },
      },
      { parent: this, dependsOn: [...services, ...(zookeeper ? [zookeeper] : [])] },
    );
    this.registerOutputs({ bootstrapServers: this.bootstrapServers });
  }
}

/** Mebibytes of a memory quantity such as 1Gi or 768Mi. */
export function parseQuantityMi(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const mebibytesPerUnit = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 } as const;
  const unit = match[2] as keyof typeof mebibytesPerUnit | undefined;
  return Number(match[1]) * (unit ? mebibytesPerUnit[unit] : 1 / (1024 * 1024)); // no unit: bytes
}
