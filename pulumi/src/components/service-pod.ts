import type * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { serviceNodeOptions, type DeployedContract } from '@orders/contracts';
import type { ServiceSettings, TopicSettings } from '../config.js';
import { checksum, restrictedContainer } from '../k8s.js';
import { parseQuantityMi } from '../quantity.js';
import type { Postgres } from './postgres.js';
import type { ServiceImage } from './service-image.js';

export const SERVICE_UID = 1000; // the `node` user of the official Node image
/**
 * On SIGTERM a service answers not-ready while it keeps serving for the drain (Kubernetes
 * takes the pod out of its endpoints meanwhile), then stops within the timeout; the pod's
 * grace period covers both with a margin before the kubelet's SIGKILL.
 */
export const SHUTDOWN = { drainMs: 3000, timeoutMs: 20000 };

/** What a service's pods (its Deployment's and its migration Job's) are made of. */
export interface ServicePod {
  contract: DeployedContract;
  settings: ServiceSettings;
  image: ServiceImage;
  database: Postgres;
  /** The ConfigMap of its non-secret environment. */
  configMap: string;
  /** The environment in it. */
  env: Record<string, string>;
  /** Its Kafka user and password (from a Secret of its namespace): only `start` uses Kafka. None for the identity service. */
  kafkaEnv: k8s.types.input.core.v1.EnvVar[];
  /** Variables known only once the cluster is (the issuer's URL holds minikube's node IP): given to `start` directly. */
  linkedEnv: k8s.types.input.core.v1.EnvVar[];
  /**
   * Secrets only `migrate` reads (the identity service's login passwords), and their
   * checksum: a change names a new migration Job, so the passwords are set again.
   */
  migrationSecrets?: { env: k8s.types.input.core.v1.EnvVar[]; checksum: pulumi.Output<string> };
  /** A change of either rolls the pods (and re-runs the migration); names stay fixed. */
  checksums: Record<string, pulumi.Input<string>>;
}

/** The service's environment, but for the database passwords (from the database's Secrets); Kafka's for the saga's services. */
export function serviceEnvironment(
  contract: DeployedContract,
  settings: ServiceSettings,
  database: Postgres,
  kafka?: { bootstrapServers: string; topics: TopicSettings },
): Record<string, string> {
  return {
    HTTP_HOST: '0.0.0.0',
    HTTP_PORT: String(contract.httpPort),
    LOG_LEVEL: settings.logLevel,
    DB_HOST: database.host,
    DB_PORT: String(database.port),
    DB_NAME: database.database,
    DB_USER: database.appUser,
    ...(kafka ? kafkaEnvironment(kafka.bootstrapServers, kafka.topics) : {}),
    SHUTDOWN_DRAIN_MS: String(SHUTDOWN.drainMs),
    SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN.timeoutMs),
    NODE_OPTIONS: serviceNodeOptions(parseQuantityMi(String(settings.resources.limits.memory))),
    ...settings.env,
  };
}

const kafkaEnvironment = (bootstrapServers: string, topics: TopicSettings): Record<string, string> => ({
  KAFKA_BROKERS: bootstrapServers,
  KAFKA_TOPIC_PARTITIONS: String(topics.partitions),
  KAFKA_TOPIC_REPLICATION: String(topics.replication),
  KAFKA_TOPIC_RETENTION_MS: String(topics.retentionMs),
  // Event ids are kept a day longer than the events themselves (the services insist on longer).
  INBOX_RETENTION_MS: String(topics.retentionMs + 86_400_000),
});

export const podChecksums = (env: Record<string, string>, database: Postgres) => ({
  'checksum/config': checksum(env),
  'checksum/db-password': database.appPasswordChecksum,
});

export const fromSecret = (name: string, secretName: string, key: string): k8s.types.input.core.v1.EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secretName, key } },
});

/** The service's container running `command`: the migration runs as the schema's owner and sets the application role up. */
export function serviceContainer(pod: ServicePod, command: 'start' | 'migrate'): k8s.types.input.core.v1.Container {
  const { contract, database } = pod;
  const app = contract.serviceName;
  const appPassword = fromSecret('DB_PASSWORD', database.appSecretName, 'DB_PASSWORD');
  const migrationEnv = [
    { name: 'DB_USER', value: database.adminUser },
    fromSecret('DB_PASSWORD', database.adminSecretName, 'POSTGRES_PASSWORD'),
    { name: 'APP_DB_USER', value: database.appUser },
    fromSecret('APP_DB_PASSWORD', database.appSecretName, 'DB_PASSWORD'),
  ];
  return {
    name: command === 'start' ? app : `${app}-${command}`,
    image: pod.image.ref,
    imagePullPolicy: pod.image.pullPolicy,
    command: [...contract.entrypoint, command],
    envFrom: [{ configMapRef: { name: pod.configMap } }],
    env: command === 'migrate' ? [...migrationEnv, ...(pod.migrationSecrets?.env ?? [])] : [appPassword, ...pod.kafkaEnv, ...pod.linkedEnv],
    securityContext: restrictedContainer(SERVICE_UID),
    resources: pod.settings.resources,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}
