import * as pulumi from '@pulumi/pulumi';
import { replicationOf } from '@orders/kafka-config';
import { serviceSize, type ContainerSize } from './sizing.js';
import {
  DEPLOYED_NAMES,
  parseSettings,
  SECRET_KEYS,
  serviceKey,
  STACK_SETTINGS,
  StackConfigError,
  type DeployedName,
  type SecretKey,
  type Settings,
} from './settings/stack-settings.js';
import { IDENTITY_CONTRACT } from '@orders/contracts';
import { serviceHost } from './k8s.js';

export { DEPLOYED_NAMES, SERVICE_NAMES, StackConfigError, type DeployedName, type ServiceName } from './settings/stack-settings.js';

export interface StackConfig extends Settings {
  /** Set secrets only (empty means unset); never plain strings. */
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

/**
 * Reads the stack configuration: values set on the stack, else the declared defaults (so
 * the program behaves the same under the engine and under test mocks), validated in one
 * place with every problem named. Secrets are read as set; an empty one counts as unset.
 */
export function loadStackConfig(project = pulumi.getProject()): StackConfig {
  const valueOf = (key: string) => pulumi.runtime.getConfig(`${project}:${key}`);
  let settings: Settings | undefined;
  const problems: string[] = [];
  try {
    settings = parseSettings(Object.fromEntries(Object.keys(STACK_SETTINGS).map((key) => [key, valueOf(key)])));
  } catch (error) {
    if (!(error instanceof StackConfigError)) throw error;
    problems.push(...error.problems);
  }
  const secrets: StackConfig['secrets'] = {};
  for (const key of SECRET_KEYS) {
    const value = valueOf(key);
    if (value) secrets[key] = pulumi.secret(value);
  }
  if (problems.length > 0 || !settings) throw new StackConfigError(problems);
  return { ...settings, secrets };
}

/** Every namespace the system runs in, each once: the services' (the identity service's too), Kafka's, Dozzle's, Jaeger's when tracing is on. */
export function systemNamespaces(config: Settings): string[] {
  const all = [...DEPLOYED_NAMES.map((name) => config[serviceKey(name, 'Namespace')]), config.kafkaNamespace, config.dozzleNamespace];
  return [...new Set(config.tracing ? [...all, config.tracingNamespace] : all)];
}

/** Everything one service's part of the stack is configured with. */
export interface ServiceSettings {
  name: DeployedName;
  namespace: string;
  nodePort: number;
  replicas: number;
  resources: ContainerSize;
  logLevel: string;
  /** The service's own variables besides the common ones: the saga clock, demo data, where traces go. */
  env: Record<string, string>;
  database: {
    image: string;
    storage: string;
    storageClass: string;
    memoryLimit: string;
    /** Set on the stack (secret); unset: generated. */
    password: pulumi.Output<string> | undefined;
  };
}

/** One service's settings: its own keys (`<service>Namespace`, …) and those all share. */
export function serviceSettings(config: StackConfig, name: DeployedName): ServiceSettings {
  return {
    name,
    namespace: config[serviceKey(name, 'Namespace')],
    nodePort: config[serviceKey(name, 'NodePort')],
    replicas: config.serviceReplicas,
    resources: serviceSize(config),
    logLevel: config.logLevel,
    env: name === 'identity' ? identityEnv(config) : sagaServiceEnv(config, name),
    database: {
      image: config.postgresImage,
      storage: config.postgresStorage,
      storageClass: config.storageClass,
      memoryLimit: config.postgresMemoryLimit,
      password: config.secrets[serviceKey(name, 'DbPassword')],
    },
  };
}

// The NodePort URLs name the node address (registry flavour); kind and minikube use IP addresses, always accepted.
const nodeAddressHosts = (config: Settings): string[] => (config.clusterFlavour === 'registry' ? [config.nodeAddress] : []);

function sagaServiceEnv(config: Settings, name: Exclude<DeployedName, 'identity'>): Record<string, string> {
  const hosts = nodeAddressHosts(config);
  return {
    BATCH_INTERVAL_MS: String(config.batchIntervalMs),
    ...(hosts.length ? { HTTP_ALLOWED_HOSTS: hosts.join(',') } : {}),
    ...(name === 'order' ? { SAGA_TIMEOUT_MS: String(config.sagaTimeoutMs) } : { DEMO_SEED: String(config.demoSeed) }),
    // The issuer's keys, fetched inside the cluster; the issuer's public URL comes with the pod (ServicePod.linkedEnv).
    AUTH_JWKS_URL: `${identityClusterUrl(config.identityNamespace)}/jwks`,
    AUTH_AUDIENCE: config.authAudience,
    ...(config.tracing ? { TRACING_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: jaegerCollectorUrl(config.tracingNamespace) } : {}),
  };
}

function identityEnv(config: Settings): Record<string, string> {
  // The services fetch its keys by its cluster name; browsers reach it by the issuer's host.
  const hosts = [identityClusterHost(config.identityNamespace), ...nodeAddressHosts(config)];
  if (config.identityIssuer) hosts.push(new URL(config.identityIssuer).hostname);
  return { HTTP_ALLOWED_HOSTS: [...new Set(hosts)].join(','), DEMO_SEED: String(config.demoSeed), AUTH_AUDIENCE: config.authAudience };
}

/** The identity service inside the cluster. */
const identityClusterHost = (namespace: string) => serviceHost(IDENTITY_CONTRACT.serviceName, namespace);
const identityClusterUrl = (namespace: string) => `http://${identityClusterHost(namespace)}:${IDENTITY_CONTRACT.httpPort}`;

/** Where the services send spans when tracing is on: Jaeger's OTLP/HTTP receiver. */
export const JAEGER_OTLP_PORT = 4318;
export const jaegerCollectorUrl = (namespace: string) => `http://jaeger-collector.${namespace}.svc.cluster.local:${JAEGER_OTLP_PORT}`;

/** How the saga topics are created. */
export interface TopicSettings {
  partitions: number;
  /** Every broker up to three. */
  replication: number;
  retentionMs: number;
}

export const topicSettings = (config: StackConfig): TopicSettings => ({
  partitions: config.topicPartitions,
  replication: replicationOf(config.kafkaBrokers),
  retentionMs: config.topicRetentionHours * 3_600_000,
});

/** How Kafka (and ZooKeeper) run. */
export const kafkaClusterSettings = (config: StackConfig) => ({
  mode: config.kafkaMode,
  brokers: config.kafkaBrokers,
  image: config.kafkaImage,
  kafkaStorage: config.kafkaStorage,
  zookeeperStorage: config.zookeeperStorage,
  storageClass: config.storageClass,
  memoryLimit: config.kafkaMemoryLimit,
});
