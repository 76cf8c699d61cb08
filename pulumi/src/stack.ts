import * as command from '@pulumi/command';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { SERVICE_CONTRACTS, type ServiceContract } from '@orders/shared';
import type { StackConfig } from './config.js';
import { Dozzle } from './components/dozzle.js';
import { Kafka } from './components/kafka.js';
import { KafkaTopics } from './components/kafka-topics.js';
import { KafkaUi } from './components/kafka-ui.js';
import { Microservice } from './components/microservice.js';
import { NetworkPolicies } from './components/network-policies.js';
import { Postgres, POSTGRES_PORT } from './components/postgres.js';
import { ServiceImage } from './components/service-image.js';
import type { NodePortEndpoint } from './k8s.js';
import { KIND_LISTEN_ADDRESS } from './kind.js';

type ServiceName = ServiceContract['name'];
const NAMES: ServiceName[] = ['order', 'payment', 'inventory'];

export interface StackOutputs {
  urls: Record<'order' | 'payment' | 'inventory' | 'kafkaUi' | 'dozzle', pulumi.Output<string>>;
  namespaces: Record<ServiceName | 'kafka' | 'dozzle', string>;
  images: Record<ServiceName, pulumi.Output<string>>;
  kafka: { mode: string; brokers: number; bootstrapServers: string };
  /** Every NodePort Service: namespace, name, port (scripts/minikube-up.sh forwards them). */
  nodePorts: Record<'order' | 'payment' | 'inventory' | 'kafkaUi' | 'dozzle', NodePortEndpoint>;
}

/** The kube context the stack deploys to: never whatever happens to be current for kind and minikube. */
export function kubeContextOf(config: StackConfig): string | undefined {
  if (config.kubeContext) return config.kubeContext;
  if (config.clusterFlavour === 'kind') return `kind-${config.kindClusterName}`;
  if (config.clusterFlavour === 'minikube') return config.minikubeProfile;
  return undefined;
}

/** Everything the system needs on a cluster, from one validated configuration. */
export function deployStack(config: StackConfig, stackKey: string): StackOutputs {
  const provider = new k8s.Provider('cluster', { context: kubeContextOf(config), enableServerSideApply: true });
  const opts = { providers: [provider] };
  const namespaceOf: Record<ServiceName, string> = {
    order: config.orderNamespace,
    payment: config.paymentNamespace,
    inventory: config.inventoryNamespace,
  };
  const namespaceNames = [...new Set([...Object.values(namespaceOf), config.kafkaNamespace, config.dozzleNamespace])];
  const namespaces = Object.fromEntries(
    namespaceNames.map((name) => [
      name,
      new k8s.core.v1.Namespace(name, { metadata: { name, labels: { 'app.kubernetes.io/part-of': 'order-processing' } } }, { provider }),
    ]),
  );
  const ns = (name: string) => namespaces[name]!.metadata.name;

  // kube-system's uid is new whenever the cluster is: images are loaded into a new cluster again.
  const clusterIdentity = k8s.core.v1.Namespace.get('kube-system', 'kube-system', { provider }).metadata.uid;
  const images = Object.fromEntries(
    NAMES.map((name) => [name, new ServiceImage(`${name}-image`, { service: SERVICE_CONTRACTS[name], settings: config, clusterIdentity })]),
  ) as Record<ServiceName, ServiceImage>;

  const kafka = new Kafka(
    'kafka',
    {
      namespace: ns(config.kafkaNamespace),
      namespaceName: config.kafkaNamespace,
      mode: config.kafkaMode,
      brokers: config.kafkaBrokers,
      image: config.kafkaImage,
      kafkaStorage: config.kafkaStorage,
      zookeeperStorage: config.zookeeperStorage,
      storageClass: config.storageClass,
      memoryLimit: config.kafkaMemoryLimit,
      clusterKey: stackKey,
    },
    opts,
  );
  const topicEnv = {
    KAFKA_BROKERS: kafka.bootstrapServers,
    KAFKA_TOPIC_PARTITIONS: String(config.topicPartitions),
    KAFKA_TOPIC_REPLICATION: String(Math.min(config.kafkaBrokers, 3)),
    KAFKA_TOPIC_RETENTION_MS: String(config.topicRetentionHours * 3_600_000),
    LOG_LEVEL: config.logLevel,
  };
  const topics = new KafkaTopics(
    'kafka-topics',
    {
      namespace: ns(config.kafkaNamespace),
      image: images.order,
      contract: SERVICE_CONTRACTS.order,
      env: topicEnv,
      dependsOn: [kafka.statefulSet],
    },
    opts,
  );

  const nodePortOf: Record<ServiceName, number> = {
    order: config.orderNodePort,
    payment: config.paymentNodePort,
    inventory: config.inventoryNodePort,
  };
  const passwordKey = { order: 'orderDbPassword', payment: 'paymentDbPassword', inventory: 'inventoryDbPassword' } as const;
  const databases: Record<string, Postgres> = {};
  const services: Record<string, Microservice> = {};
  for (const name of NAMES) {
    const contract = SERVICE_CONTRACTS[name];
    const generated = new random.RandomPassword(`${name}-db-password`, { length: 32, special: false });
    const configured = config.secrets[passwordKey[name]] ?? pulumi.output('');
    const password = pulumi.secret(pulumi.all([configured, generated.result]).apply(([set, made]) => set || made));
    const database = new Postgres(
      `${name}-postgres`,
      {
        namespace: ns(namespaceOf[name]),
        namespaceName: namespaceOf[name],
        database: contract.database,
        user: name,
        password,
        image: config.postgresImage,
        storage: config.postgresStorage,
        storageClass: config.storageClass,
        memoryLimit: config.postgresMemoryLimit,
      },
      opts,
    );
    databases[name] = database;
    services[name] = new Microservice(
      name,
      {
        contract,
        namespace: ns(namespaceOf[name]),
        namespaceName: namespaceOf[name],
        image: images[name],
        database,
        env: {
          HTTP_HOST: '0.0.0.0',
          HTTP_PORT: String(contract.httpPort),
          LOG_LEVEL: config.logLevel,
          DB_HOST: database.host,
          DB_PORT: String(POSTGRES_PORT),
          DB_NAME: contract.database,
          DB_USER: name,
          KAFKA_BROKERS: kafka.bootstrapServers,
          KAFKA_TOPIC_PARTITIONS: topicEnv.KAFKA_TOPIC_PARTITIONS,
          KAFKA_TOPIC_REPLICATION: topicEnv.KAFKA_TOPIC_REPLICATION,
          KAFKA_TOPIC_RETENTION_MS: topicEnv.KAFKA_TOPIC_RETENTION_MS,
          ...(name === 'order' ? { SAGA_TIMEOUT_MS: String(config.sagaTimeoutMs) } : { DEMO_SEED: String(config.demoSeed) }),
        },
        replicas: config.serviceReplicas,
        nodePort: nodePortOf[name],
        resources: {
          cpuRequest: config.serviceCpuRequest,
          cpuLimit: config.serviceCpuLimit,
          memoryRequest: config.serviceMemoryRequest,
          memoryLimit: config.serviceMemoryLimit,
        },
        postgresImage: config.postgresImage,
        dependsOn: [topics.job],
      },
      opts,
    );
  }

  const kafkaUi = new KafkaUi(
    'kafka-ui',
    {
      namespace: ns(config.kafkaNamespace),
      namespaceName: config.kafkaNamespace,
      image: config.kafkaUiImage,
      bootstrapServers: kafka.bootstrapServers,
      nodePort: config.kafkaUiNodePort,
      readOnly: config.kafkaUiReadOnly,
      dependsOn: [kafka.statefulSet],
    },
    opts,
  );
  const dozzle = new Dozzle(
    'dozzle',
    {
      namespace: ns(config.dozzleNamespace),
      namespaceName: config.dozzleNamespace,
      image: config.dozzleImage,
      nodePort: config.dozzleNodePort,
      auth: config.dozzleAuth
        ? { username: config.dozzleUsername, password: config.secrets.dozzlePassword! }
        : null,
    },
    opts,
  );

  new NetworkPolicies(
    'network-policies',
    {
      databases: NAMES.map((name) => ({
        namespace: ns(namespaceOf[name]),
        namespaceName: namespaceOf[name],
        databaseApp: `${name}-postgres`,
        clientApps: [services[name]!.podLabels.app!, services[name]!.migrationLabels.app!],
        port: POSTGRES_PORT,
      })),
      kafka: {
        namespace: ns(config.kafkaNamespace),
        kafkaApp: kafka.podLabels.app!,
        zookeeperApp: kafka.zookeeperLabels?.app ?? null,
        ports: kafka.ports,
        clients: NAMES.map((name) => ({ namespaceName: namespaceOf[name], app: services[name]!.podLabels.app! })),
        localApps: [kafka.podLabels.app!, topics.podLabels.app!, kafkaUi.podLabels.app!],
      },
    },
    opts,
  );

  const host = nodeHost(config, clusterIdentity);
  const url = (port: number) => pulumi.interpolate`http://${host}:${port}`;
  return {
    urls: {
      order: url(config.orderNodePort),
      payment: url(config.paymentNodePort),
      inventory: url(config.inventoryNodePort),
      kafkaUi: url(config.kafkaUiNodePort),
      dozzle: url(config.dozzleNodePort),
    },
    namespaces: { ...namespaceOf, kafka: config.kafkaNamespace, dozzle: config.dozzleNamespace },
    images: { order: images.order.ref, payment: images.payment.ref, inventory: images.inventory.ref },
    kafka: { mode: config.kafkaMode, brokers: config.kafkaBrokers, bootstrapServers: kafka.bootstrapServers },
    nodePorts: {
      order: services.order!.endpoint,
      payment: services.payment!.endpoint,
      inventory: services.inventory!.endpoint,
      kafkaUi: kafkaUi.endpoint,
      dozzle: dozzle.endpoint,
    },
  };
}

/**
 * Where NodePorts answer from the host: kind publishes them on 127.0.0.1 (the cluster is
 * created from kindClusterConfig); minikube on its node IP (scripts/minikube-up.sh
 * forwards them to 127.0.0.1 where that IP is not reachable).
 */
function nodeHost(config: StackConfig, clusterIdentity: pulumi.Input<string>): pulumi.Input<string> {
  if (config.clusterFlavour === 'kind') return KIND_LISTEN_ADDRESS;
  if (config.clusterFlavour === 'minikube') {
    const ip = new command.local.Command('minikube-ip', {
      create: `minikube -p ${config.minikubeProfile} ip`,
      triggers: [clusterIdentity],
    });
    return ip.stdout.apply((out) => out.trim());
  }
  return config.nodeAddress;
}
