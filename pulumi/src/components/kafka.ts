import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { kraftClusterId, log4jProperties, renderKafkaFiles, startScript, type KafkaMode } from '@orders/kafka-config';
import { labels, serviceHost, volumeClaim, type NamespaceRef } from '../k8s.js';
import { allowConnections, type Pods } from '../network.js';
import { parseQuantityMi } from '../quantity.js';
import { kafkaBrokerSize } from '../sizing.js';
import { KAFKA_USERS } from '@orders/contracts';
import { passwordOrGenerated } from '../passwords.js';
import { CONTROLLER_PORT, INTERNAL_PORT, KAFKA_PORT, nodeTemplate, ZOOKEEPER_PORT, type NodeFiles } from './kafka-node.js';
import { ZooKeeper } from './zookeeper.js';

export { CONTROLLER_PORT, INTERNAL_PORT, KAFKA_PORT, ZOOKEEPER_PORT } from './kafka-node.js';

const USERS_DIR = '/etc/kafka-users';

export interface KafkaArgs {
  namespace: NamespaceRef;
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
 * Apache Kafka in ZooKeeper mode (a ZooKeeper, then the brokers) or in KRaft mode
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
  readonly zookeeper: ZooKeeper | undefined;
  /** The brokers' pods. */
  readonly pods: Pods;
  /** Every Kafka user's password (SCRAM), generated once per stack. */
  private readonly passwords: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:messaging:Kafka', name, {}, opts);
    const headless = `${name}-headless`;
    const kraft = args.mode === 'kraft';
    const namespace = args.namespace;
    this.podLabels = labels(name, 'broker');
    this.bootstrapServers = `${serviceHost(name, namespace.name)}:${KAFKA_PORT}`;
    this.pods = { namespace, app: name };
    const child = { parent: this };

    // Every user's password: in the brokers' Secret (start.sh makes the SCRAM users from it)
    // and, for each client, in a Secret of the client's own namespace (credentialsFor).
    this.passwords = Object.fromEntries(KAFKA_USERS.map((user) => [user, passwordOrGenerated(`${name}-user-${user}`, undefined, child)]));
    const usersSecret = new k8s.core.v1.Secret(
      `${name}-users`,
      { metadata: { name: `${name}-users`, namespace: namespace.ready, labels: this.podLabels }, type: 'Opaque', stringData: this.passwords },
      child,
    );
    const files = this.files(name, args);
    const config = new k8s.core.v1.ConfigMap(
      files.configMap,
      { metadata: { name: files.configMap, namespace: namespace.ready, labels: this.podLabels }, data: files.data },
      child,
    );
    this.zookeeper = kraft
      ? undefined
      : new ZooKeeper(
          `${name}-zookeeper`,
          { namespace, image: args.image, storage: args.zookeeperStorage, storageClass: args.storageClass, files, clients: this.pods, after: [config] },
          child,
        );
    // Brokers replicate from each other on the internal port (each advertises its client port
    // too); KRaft voters also talk on the controller port.
    const peerPorts = [KAFKA_PORT, INTERNAL_PORT, ...(kraft ? [CONTROLLER_PORT] : [])];
    allowConnections(`${name}-peers`, this.pods, [this.pods], peerPorts, child);

    const metadata = (of: string) => ({ name: of, namespace: namespace.ready, labels: this.podLabels });
    const headlessService = new k8s.core.v1.Service(
      headless,
      {
        metadata: metadata(headless),
        spec: {
          clusterIP: 'None',
          // Brokers find each other (and KRaft voters their quorum) before they are ready.
          publishNotReadyAddresses: true,
          selector: { app: name },
          ports: [{ name: 'kafka', port: KAFKA_PORT }, { name: 'internal', port: INTERNAL_PORT }, ...(kraft ? [{ name: 'controller', port: CONTROLLER_PORT }] : [])],
        },
      },
      child,
    );
    const heapMb = Math.max(256, Math.floor(parseQuantityMi(args.memoryLimit) / 2));
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: metadata(name),
        spec: {
          serviceName: headless,
          replicas: args.brokers,
          // KRaft voters need each other's votes before any of them is ready.
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: { app: name } },
          template: nodeTemplate(
            files,
            'kafka',
            'server.properties',
            this.podLabels,
            {
              name: 'kafka',
              image: args.image,
              heap: `-Xms${heapMb}m -Xmx${heapMb}m`,
              dataPath: '/var/lib/kafka/data',
              ports: [
                { name: 'kafka', containerPort: KAFKA_PORT },
                { name: 'internal', containerPort: INTERNAL_PORT },
                ...(kraft ? [{ name: 'controller', containerPort: CONTROLLER_PORT }] : []),
              ],
              env: [{ name: 'KAFKA_USERS_DIR', value: USERS_DIR }, ...(kraft ? [{ name: 'KAFKA_CLUSTER_ID', value: kraftClusterId(args.clusterKey) }] : [])],
              secretDir: { secretName: `${name}-users`, mountPath: USERS_DIR },
              resources: kafkaBrokerSize(args.memoryLimit),
              readinessProbe: { tcpSocket: { port: KAFKA_PORT }, initialDelaySeconds: 10, periodSeconds: 5 },
              livenessProbe: { tcpSocket: { port: KAFKA_PORT }, initialDelaySeconds: 90, periodSeconds: 15, failureThreshold: 4 },
            },
            { terminationGracePeriodSeconds: 60 },
          ),
          volumeClaimTemplates: [volumeClaim('data', args.kafkaStorage, args.storageClass)],
        },
      },
      { ...child, dependsOn: [config, usersSecret, headlessService, ...(this.zookeeper ? [this.zookeeper.statefulSet] : [])] },
    );

    new k8s.core.v1.Service(
      name,
      { metadata: metadata(name), spec: { selector: { app: name }, ports: [{ name: 'kafka', port: KAFKA_PORT, targetPort: KAFKA_PORT }] } },
      { ...child, dependsOn: [this.statefulSet] },
    );
    if (args.brokers > 1) {
      // A node drain takes one broker at a time (topics are replicated when there are 3).
      new k8s.policy.v1.PodDisruptionBudget(
        name,
        { metadata: metadata(name), spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } } },
        { ...child, dependsOn: [this.statefulSet] },
      );
    }
    this.registerOutputs({ bootstrapServers: this.bootstrapServers });
  }

  /**
   * A Secret in a client's namespace holding `user`'s password (key `password`), and the
   * variables that make the client that user: KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD.
   */
  credentialsFor(
    name: string,
    namespace: NamespaceRef,
    user: string,
    secretName: string,
  ): { secret: k8s.core.v1.Secret; env: k8s.types.input.core.v1.EnvVar[] } {
    const secret = new k8s.core.v1.Secret(
      name,
      { metadata: { name: secretName, namespace: namespace.ready, labels: this.podLabels }, type: 'Opaque', stringData: { password: this.passwordOf(user) } },
      { parent: this },
    );
    return {
      secret,
      env: [
        { name: 'KAFKA_SASL_USERNAME', value: user },
        { name: 'KAFKA_SASL_PASSWORD', valueFrom: { secretKeyRef: { name: secretName, key: 'password' } } },
      ],
    };
  }

  /** The password of a Kafka user (a secret), for clients that take it in another form (Kafka UI's JAAS line). */
  passwordOf(user: string): pulumi.Output<string> {
    const password = this.passwords[user];
    if (!password) throw new Error(`${user} is not a Kafka user of the stack`);
    return password;
  }

  /** Lets only these pods reach the brokers, on the client port only. */
  admit(clients: readonly Pods[]): void {
    allowConnections(`${this.pods.app}-clients`, this.pods, clients, [KAFKA_PORT], { parent: this });
  }

  /** The files every node starts from, rendered for this cluster's names. */
  private files(name: string, args: KafkaArgs): NodeFiles {
    const rendered = renderKafkaFiles({
      mode: args.mode,
      nodes: args.brokers,
      nodeHost: `${name}-{id}.${serviceHost(`${name}-headless`, args.namespace.name)}`,
      bindAddress: '0.0.0.0',
      ports: { client: KAFKA_PORT, internal: INTERNAL_PORT, controller: CONTROLLER_PORT, zookeeper: ZOOKEEPER_PORT },
      zookeeperConnect: `${serviceHost(`${name}-zookeeper`, args.namespace.name)}:${ZOOKEEPER_PORT}`,
      dataDir: '/var/lib/kafka/data/logs',
      zookeeperDataDir: '/var/lib/zookeeper/data',
    });
    return { configMap: `${name}-config`, data: { ...rendered, 'start.sh': startScript(), 'log4j.properties': log4jProperties() } };
  }
}
