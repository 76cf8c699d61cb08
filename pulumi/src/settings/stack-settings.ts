import { z } from 'zod';
import { SERVICE_MEMORY_LIMIT_MI } from '@orders/contracts';
import { kafkaSettings } from '@orders/messaging';
import { logLevelSetting } from '@orders/platform';
import { authSettings, commonSettings, seededServiceSettings } from '@orders/runtime';
import { orderSettings } from '@orders/order-service/config';
import { flag, integer, oneOf, passed, secret, text, type StackSetting } from './declare.js';

export type ServiceName = 'order' | 'payment' | 'inventory';
export const SERVICE_NAMES: readonly ServiceName[] = ['order', 'payment', 'inventory'];
/** Every service the stack deploys from this repository: the saga's three and the identity service (the issuer). */
export type DeployedName = ServiceName | 'identity';
export const DEPLOYED_NAMES: readonly DeployedName[] = [...SERVICE_NAMES, 'identity'];

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity such as 500m or 1Gi');
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower-case letters, digits, -)');
const pinnedImage = z
  .string()
  .regex(/^[a-z0-9.\-/:_]+:[A-Za-z0-9._-]+(@sha256:[a-f0-9]{64})?$/, 'must be an image with a tag')
  .refine((ref) => !/:latest(@|$)/.test(ref), 'must be pinned to a version, not :latest');
const userName = z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'must be 1-64 of a-z 0-9 _ . -');
const namespace = (fallback: string, description: string) => text(fallback, description, dnsLabel);
const image = (fallback: string, description: string) => text(fallback, description, pinnedImage);
const size = (fallback: string, description: string) => text(fallback, description, quantity);
const NODE_PORT = 'must be a NodePort (30000-32767)';
const nodePort = (fallback: number, description: string) => ({
  ...integer(fallback, description, 30000, 32767),
  schema: z.number().int(NODE_PORT).min(30000, NODE_PORT).max(32767, NODE_PORT),
});

/** Each service's own settings, under keys `<service><Key>` (orderNamespace, paymentNodePort, …). */
const PER_SERVICE = {
  Namespace: (service: DeployedName) => namespace(service, `Namespace of the ${service} service and its database.`),
  NodePort: (service: DeployedName) =>
    nodePort({ order: 30001, payment: 30002, inventory: 30003, identity: 31004 }[service], `NodePort of the ${service} service.`),
  DbPassword: (service: DeployedName) => secret(`Password of the ${service} database; set with --secret, or leave empty to have one generated.`),
} as const;
type PerServiceKey = `${DeployedName}${keyof typeof PER_SERVICE}`;

function perService<K extends keyof typeof PER_SERVICE>(key: K): Record<`${DeployedName}${K}`, ReturnType<(typeof PER_SERVICE)[K]>> {
  return Object.fromEntries(DEPLOYED_NAMES.map((s) => [`${s}${key}`, PER_SERVICE[key](s)])) as Record<`${DeployedName}${K}`, ReturnType<(typeof PER_SERVICE)[K]>>;
}
const issuerUrl = z.union([z.literal(''), z.url().regex(/^https?:\/\/[^/]+$/, 'must be http(s)://host[:port], no path')]);

/**
 * Every stack setting, declared once: Pulumi.yaml's `config:` block, the validation, the
 * defaults and the README's table come from here (a test fails when Pulumi.yaml differs;
 * `npm run docs` writes it). Settings that the services read are declared by the services
 * and only passed on (`passed`).
 */
export const STACK_SETTINGS = {
  clusterFlavour: oneOf('kind', 'Where images go: kind (kind load), minikube (minikube image load) or registry (push to imageRegistry).', ['kind', 'minikube', 'registry']),
  kindClusterName: text('orders', 'Name of the kind cluster (kind flavour).', dnsLabel),
  minikubeProfile: text('minikube', 'minikube profile (minikube flavour).', z.string().min(1)),
  kubeContext: text('', 'kubeconfig context; empty means kind-<kindClusterName>, the minikube profile, or the current context.'),
  imageRegistry: text(
    '',
    'Registry the service images are pushed to (registry flavour), e.g. localhost:5001.',
    z.string().regex(/^([a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*)?$/, 'must be a registry host[:port][/path]'),
  ),
  nodeAddress: text('localhost', 'Host name or IP the NodePort URLs use (registry flavour; kind uses localhost, minikube its node IP).', z.string().min(1)),
  ...perService('Namespace'),
  ...perService('NodePort'),
  ...perService('DbPassword'),
  kafkaNamespace: namespace('kafka', 'Namespace of ZooKeeper, Kafka, the topic Job and Kafka UI.'),
  dozzleNamespace: namespace('kafka', 'Namespace of Dozzle.'),
  tracingNamespace: namespace('tracing', 'Namespace of Jaeger (when tracing is on).'),
  kafkaMode: oneOf('zookeeper', 'zookeeper (ZooKeeper ensemble + brokers) or kraft (combined broker/controller nodes, no ZooKeeper).', ['zookeeper', 'kraft']),
  kafkaBrokers: integer(1, 'Number of Kafka brokers (1 to 5); topic replication is min(brokers, 3).', 1, 5),
  topicPartitions: passed('integer', kafkaSettings.topicPartitions, { because: 'The .dlq topics have one.' }),
  topicRetentionHours: passed('integer', kafkaSettings.topicRetentionMs, { scale: 3_600_000, unit: 'hours' }),
  kafkaImage: image(
    'apache/kafka:3.9.1',
    "Apache Kafka image (the whole distribution; brokers and ZooKeeper run from it with the files of pulumi/kafka-config). Its version must be the local jars' (pulumi/kafka-config/pom.xml); amd64 and arm64.",
  ),
  postgresImage: image('postgres:17.6-alpine', 'PostgreSQL image (official; amd64 and arm64).'),
  kafkaUiImage: image('ghcr.io/kafbat/kafka-ui:v1.5.0', 'Kafka UI image (kafbat; amd64 and arm64).'),
  dozzleImage: image('amir20/dozzle:v8.14.4', 'Dozzle image (amd64 and arm64).'),
  jaegerImage: image('jaegertracing/jaeger:2.20.0', 'Jaeger v2 image, all-in-one with in-memory storage (amd64 and arm64).'),
  metricsServerImage: image('registry.k8s.io/metrics-server/metrics-server:v0.8.1', 'metrics-server image (kubernetes-sigs; amd64 and arm64; Kubernetes 1.31 or newer).'),
  nodeImage: image('node:24-bookworm-slim', 'Base image of the three service images (official Node 24).'),
  storageClass: text('', 'StorageClass of every PVC; empty means the cluster default.'),
  kafkaStorage: size('2Gi', 'Volume size of each Kafka broker.'),
  zookeeperStorage: size('1Gi', 'Volume size of ZooKeeper (data and transaction log).'),
  postgresStorage: size('1Gi', 'Volume size of each PostgreSQL.'),
  serviceReplicas: integer(1, 'Pods of each service (any count is safe; one outbox relay leads per service).', 1, 10),
  serviceCpuRequest: size('80m', 'CPU request of each service container (what the busiest service uses at 10 orders/s, bench:footprint).'),
  serviceCpuLimit: size('500m', 'CPU limit of each service container.'),
  serviceMemoryRequest: size('192Mi', 'Memory request of each service container (the most a service holds at 10 orders/s, bench:footprint).'),
  serviceMemoryLimit: size(`${SERVICE_MEMORY_LIMIT_MI}Mi`, 'Memory limit of each service container; its V8 heap is capped 160 MiB below it (NODE_OPTIONS=--max-old-space-size) so a flood makes the garbage collector work instead of the kernel killing the container.'),
  kafkaMemoryLimit: size('1Gi', 'Memory limit of each Kafka broker (heap is half of it).'),
  postgresMemoryLimit: size('512Mi', 'Memory limit of each PostgreSQL.'),
  kafkaUiNodePort: nodePort(31008, 'NodePort of Kafka UI.'),
  dozzleNodePort: nodePort(31007, 'NodePort of Dozzle.'),
  jaegerNodePort: nodePort(31686, 'NodePort of the Jaeger UI (kind publishes it even with tracing off, so turning tracing on needs no new cluster).'),
  logLevel: passed('string', logLevelSetting, { because: 'The services log at this level.' }),
  demoSeed: passed('boolean', seededServiceSettings.demoSeed, { fallback: true, because: 'On by default in a stack: it is a demo.' }),
  sagaTimeoutMs: passed('integer', orderSettings.sagaTimeoutMs),
  batchIntervalMs: passed('integer', commonSettings.batchIntervalMs, { because: 'Longer saves CPU per order and adds latency; raise it where CPU is scarce.' }),
  kafkaUiReadOnly: flag(true, 'Kafka UI can only read (no topic or message changes).'),
  metricsServer: flag(
    true,
    'Deploy metrics-server in kube-system: it serves metrics.k8s.io, which Dozzle reads every second while its page is open (it exits when it cannot). Off only where the cluster already serves metrics.k8s.io (minikube\'s metrics-server addon, most managed clusters): a cluster has one.',
  ),
  tracing: flag(false, 'Deploy Jaeger and have the services send it their traces (OTLP); the stack outputs its UI URL.'),
  dozzleAuth: flag(true, 'Dozzle asks for a user name and password (dozzleUsername / dozzlePassword; the stack output `logins` holds them).'),
  dozzleUsername: text('admin', 'Dozzle user name when dozzleAuth is on.', userName),
  dozzlePassword: secret('Dozzle password when dozzleAuth is on; set it with `pulumi config set --secret dozzlePassword`, or leave it unset to have one generated.'),
  kafkaUiAuth: flag(true, 'Kafka UI asks for a user name and password (its login form; kafkaUiUsername / kafkaUiPassword; the stack output `logins` holds them).'),
  kafkaUiUsername: text('admin', 'Kafka UI user name when kafkaUiAuth is on.', userName),
  kafkaUiPassword: secret('Kafka UI password when kafkaUiAuth is on; set it with `pulumi config set --secret kafkaUiPassword`, or leave it unset to have one generated.'),
  identityIssuer: text(
    '',
    "The issuer's URL as browsers and the command line reach the identity service (tokens name it); empty means the identity NodePort on the node address the stack's URLs use.",
    issuerUrl,
  ),
  authAudience: passed('string', authSettings.audience, { because: 'The identity service signs it into every token; the services accept no other.' }),
  operatorPassword: secret("Password of the `operator` login (manages stock, balances and logins); set it with `pulumi config set --secret operatorPassword`, or leave it unset to have one generated (stack output `logins`)."),
  demoCustomerPassword: secret('Password of the demo customers alice, bob and carol (with demoSeed); set it with --secret, or leave it unset to have one generated (stack output `logins`).'),
} satisfies Record<string, StackSetting<unknown>>;

export type StackKey = keyof typeof STACK_SETTINGS;
type ValueOfSetting<S> = S extends StackSetting<infer T> ? T : never;
type SecretKeyOf<K extends StackKey> = (typeof STACK_SETTINGS)[K] extends { secret: true } ? K : never;

/** The keys whose values are secrets: read as Outputs, never validated as plain text. */
export const SECRET_KEYS = (Object.keys(STACK_SETTINGS) as StackKey[]).filter((k) => STACK_SETTINGS[k].secret) as (
  | `${DeployedName}DbPassword`
  | 'dozzlePassword'
  | 'kafkaUiPassword'
  | 'operatorPassword'
  | 'demoCustomerPassword'
)[];
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Every setting but the secrets, with its type. */
export type Settings = { [K in Exclude<StackKey, SecretKey>]: ValueOfSetting<(typeof STACK_SETTINGS)[K]> };

/** The settings that are NodePorts, with what answers there. */
export const NODE_PORT_KEYS = {
  orderNodePort: 'order',
  paymentNodePort: 'payment',
  inventoryNodePort: 'inventory',
  identityNodePort: 'identity',
  kafkaUiNodePort: 'Kafka UI',
  dozzleNodePort: 'Dozzle',
  jaegerNodePort: 'Jaeger',
} as const satisfies Partial<Record<keyof Settings, string>>;

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StackConfigError';
  }
}

/** A value as `pulumi config` stores it (always text), converted to its declared type. */
function typed(key: string, setting: StackSetting<unknown>, value: string): string | number | boolean {
  if (setting.type === 'integer') {
    if (!/^-?\d+$/.test(value.trim())) throw new Error(`${key}: '${value}' is not an integer`);
    return Number(value);
  }
  if (setting.type === 'boolean') {
    if (value !== 'true' && value !== 'false') throw new Error(`${key}: '${value}' is not true or false`);
    return value === 'true';
  }
  return value;
}

/** Rules across settings. */
function crossChecks(settings: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (settings.clusterFlavour === 'registry' && !settings.imageRegistry) problems.push('imageRegistry is required when clusterFlavour is registry');
  const ports = Object.keys(NODE_PORT_KEYS).map((k) => settings[k]);
  if (new Set(ports).size !== ports.length) problems.push(`the ${ports.length} NodePorts must differ`);
  return problems;
}

/**
 * The non-secret settings from the values set on a stack (text, by key), the declared
 * defaults for the rest, validated together: every problem is named in one error.
 */
export function parseSettings(values: Record<string, string | undefined>): Settings {
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, setting] of Object.entries(STACK_SETTINGS) as [StackKey, StackSetting<unknown>][]) {
    if (setting.secret) continue;
    const raw = values[key];
    try {
      const value = raw === undefined ? setting.default : typed(key, setting, raw);
      const parsed = setting.schema.safeParse(value);
      if (parsed.success) settings[key] = parsed.data;
      else problems.push(`${key} ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  problems.push(...crossChecks(settings));
  if (problems.length > 0) throw new StackConfigError(problems);
  return settings as Settings;
}

/** The keys of one service's own settings. */
export const serviceKey = <K extends keyof typeof PER_SERVICE>(service: DeployedName, key: K) => `${service}${key}` as `${DeployedName}${K}` & PerServiceKey;
