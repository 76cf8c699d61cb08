import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse as parseYaml } from 'yaml';
import { replicationOf } from '@orders/kafka-config';
import { z } from 'zod';
import { NODE_PORT_KEYS } from './kind.js';
import { serviceSize, type ContainerSize } from './sizing.js';

/** The repository root (Pulumi.yaml, Dockerfiles, kind/cluster.yaml). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** One setting as Pulumi.yaml declares it; a secret has no default (unset means generated or off). */
export type Declared = { type: 'string' | 'integer' | 'boolean'; default?: string | number | boolean; description: string; secret?: boolean };

/** The `config:` block of Pulumi.yaml: every key, its type, default and description. */
export function declaredConfig(): Record<string, Declared> {
  const project = parseYaml(readFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), 'utf8')) as { config: Record<string, Declared> };
  return project.config;
}

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, 'must be a Kubernetes quantity such as 500m or 1Gi');
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower-case letters, digits, -)');
const nodePort = z.number().int().min(30000, 'must be a NodePort (30000-32767)').max(32767, 'must be a NodePort (30000-32767)');
const pinnedImage = z
  .string()
  .regex(/^[a-z0-9.\-/:_]+:[A-Za-z0-9._-]+(@sha256:[a-f0-9]{64})?$/, 'must be an image with a tag')
  .refine((ref) => !/:latest(@|$)/.test(ref), 'must be pinned to a version, not :latest');

/** Every stack setting except the secrets, validated together. */
export const StackSettings = z
  .strictObject({
    clusterFlavour: z.enum(['kind', 'minikube', 'registry']),
    kindClusterName: dnsLabel,
    minikubeProfile: z.string().min(1),
    kubeContext: z.string(),
    imageRegistry: z.string().regex(/^([a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*)?$/, 'must be a registry host[:port][/path]'),
    nodeAddress: z.string().min(1),
    orderNamespace: dnsLabel,
    paymentNamespace: dnsLabel,
    inventoryNamespace: dnsLabel,
    kafkaNamespace: dnsLabel,
    dozzleNamespace: dnsLabel,
    tracingNamespace: dnsLabel,
    kafkaMode: z.enum(['zookeeper', 'kraft']),
    kafkaBrokers: z.number().int().min(1).max(5),
    topicPartitions: z.number().int().min(1).max(100),
    topicRetentionHours: z.number().int().min(1).max(8760),
    kafkaImage: pinnedImage,
    postgresImage: pinnedImage,
    kafkaUiImage: pinnedImage,
    dozzleImage: pinnedImage,
    jaegerImage: pinnedImage,
    metricsServerImage: pinnedImage,
    nodeImage: pinnedImage,
    storageClass: z.string(),
    kafkaStorage: quantity,
    zookeeperStorage: quantity,
    postgresStorage: quantity,
    serviceReplicas: z.number().int().min(1).max(10),
    serviceCpuRequest: quantity,
    serviceCpuLimit: quantity,
    serviceMemoryRequest: quantity,
    serviceMemoryLimit: quantity,
    kafkaMemoryLimit: quantity,
    postgresMemoryLimit: quantity,
    orderNodePort: nodePort,
    paymentNodePort: nodePort,
    inventoryNodePort: nodePort,
    kafkaUiNodePort: nodePort,
    dozzleNodePort: nodePort,
    jaegerNodePort: nodePort,
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
    demoSeed: z.boolean(),
    sagaTimeoutMs: z.number().int().min(1000).max(3_600_000),
    batchIntervalMs: z.number().int().min(0).max(1000),
    kafkaUiReadOnly: z.boolean(),
    metricsServer: z.boolean(),
    tracing: z.boolean(),
    dozzleAuth: z.boolean(),
    dozzleUsername: z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'must be 1-64 of a-z 0-9 _ . -'),
  });

/** Rules across settings; checked on the raw values so they are reported with everything else. */
function crossChecks(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (raw.clusterFlavour === 'registry' && !raw.imageRegistry) {
    problems.push('imageRegistry is required when clusterFlavour is registry');
  }
  const ports = Object.keys(NODE_PORT_KEYS).map((k) => raw[k]);
  if (new Set(ports).size !== ports.length) problems.push(`the ${ports.length} NodePorts must differ`);
  return problems;
}

export type Settings = z.infer<typeof StackSettings>;

export const SECRET_KEYS = ['dozzlePassword', 'orderDbPassword', 'paymentDbPassword', 'inventoryDbPassword'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** A value as `pulumi config` stores it (always text), converted to its declared type. */
function typed(key: string, spec: Declared, text: string): string | number | boolean {
  if (spec.type === 'integer') {
    if (!/^-?\d+$/.test(text.trim())) throw new Error(`${key}: '${text}' is not an integer`);
    return Number(text);
  }
  if (spec.type === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new Error(`${key}: '${text}' is not true or false`);
    return text === 'true';
  }
  return text;
}

/**
 * The non-secret settings from the values set on a stack (text, by key), Pulumi.yaml's
 * defaults for the rest, validated together: every problem is named in one error.
 */
export function parseSettings(values: Record<string, string | undefined>): Settings {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(declaredConfig())) {
    if (spec.secret) continue;
    const text = values[key];
    try {
      raw[key] = text === undefined ? spec.default : typed(key, spec, text);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const parsed = StackSettings.safeParse(raw);
  problems.push(...crossChecks(raw));
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
  if (problems.length > 0 || !parsed.success) throw new StackConfigError(problems);
  return parsed.data;
}

export interface StackConfig extends Settings {
  /** Set secrets only (empty means unset); never plain strings. */
  secrets: Partial<Record<SecretKey, pulumi.Output<string>>>;
}

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StackConfigError';
  }
}

/**
 * Reads the stack configuration: values set on the stack, else Pulumi.yaml's defaults
 * (so the program behaves the same under the engine and under test mocks), validated in
 * one place with every problem named. Secrets are read as set; an empty one counts as unset.
 */
export function loadStackConfig(project = pulumi.getProject()): StackConfig {
  const declared = declaredConfig();
  const valueOf = (key: string) => pulumi.runtime.getConfig(`${project}:${key}`);
  let settings: Settings | undefined;
  const problems: string[] = [];
  try {
    settings = parseSettings(Object.fromEntries(Object.keys(declared).map((key) => [key, valueOf(key)])));
  } catch (error) {
    if (!(error instanceof StackConfigError)) throw error;
    problems.push(...error.problems);
  }
  const secrets: StackConfig['secrets'] = {};
  for (const key of SECRET_KEYS) {
    if (!declared[key]?.secret) problems.push(`${key} must be declared with secret: true in Pulumi.yaml`);
    const value = valueOf(key);
    if (value) secrets[key] = pulumi.secret(value);
  }
  if (settings?.dozzleAuth && !secrets.dozzlePassword) {
    problems.push('dozzlePassword is required when dozzleAuth is true (pulumi config set --secret dozzlePassword ...)');
  }
  if (problems.length > 0 || !settings) throw new StackConfigError(problems);
  return { ...settings, secrets };
}

export type ServiceName = 'order' | 'payment' | 'inventory';
export const SERVICE_NAMES: readonly ServiceName[] = ['order', 'payment', 'inventory'];

/** Everything one service's part of the stack is configured with. */
export interface ServiceSettings {
  name: ServiceName;
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

/** One service's settings, regrouped from the flat stack configuration. */
export function serviceSettings(config: StackConfig, name: ServiceName): ServiceSettings {
  const perService = {
    order: { namespace: config.orderNamespace, nodePort: config.orderNodePort, password: config.secrets.orderDbPassword },
    payment: { namespace: config.paymentNamespace, nodePort: config.paymentNodePort, password: config.secrets.paymentDbPassword },
    inventory: { namespace: config.inventoryNamespace, nodePort: config.inventoryNodePort, password: config.secrets.inventoryDbPassword },
  }[name];
  return {
    name,
    namespace: perService.namespace,
    nodePort: perService.nodePort,
    replicas: config.serviceReplicas,
    resources: serviceSize(config),
    logLevel: config.logLevel,
    env: {
      BATCH_INTERVAL_MS: String(config.batchIntervalMs),
      ...(name === 'order' ? { SAGA_TIMEOUT_MS: String(config.sagaTimeoutMs) } : { DEMO_SEED: String(config.demoSeed) }),
      ...(config.tracing ? { TRACING_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: jaegerCollectorUrl(config.tracingNamespace) } : {}),
    },
    database: {
      image: config.postgresImage,
      storage: config.postgresStorage,
      storageClass: config.storageClass,
      memoryLimit: config.postgresMemoryLimit,
      password: perService.password,
    },
  };
}

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
export const kafkaSettings = (config: StackConfig) => ({
  mode: config.kafkaMode,
  brokers: config.kafkaBrokers,
  image: config.kafkaImage,
  kafkaStorage: config.kafkaStorage,
  zookeeperStorage: config.zookeeperStorage,
  storageClass: config.storageClass,
  memoryLimit: config.kafkaMemoryLimit,
});
