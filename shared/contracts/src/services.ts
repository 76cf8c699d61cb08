import { TOPICS, type Topic } from './events.js';

/**
 * What a deployment of each service must agree on with its code: the image entry point,
 * its commands, the port it listens on, the probe paths it serves and the database it
 * owns. The Pulumi program builds its containers from this, and its tests check the two
 * against each other, so they cannot drift apart.
 */
/** The commands of every service image: `node <entrypoint> <command>`. */
export const SERVICE_COMMANDS = ['migrate', 'start', 'topics', 'dead-letters'] as const;
export type ServiceCommand = (typeof SERVICE_COMMANDS)[number];

/**
 * What each command connects to. The network policies let a pod make only these
 * connections; a test runs each command with the others unreachable.
 */
export const COMMAND_DEPENDENCIES: Record<ServiceCommand, readonly ('database' | 'kafka' | 'tracing' | 'identity')[]> = {
  migrate: ['database'],
  // identity: the issuer's signing keys (JWKS), to check access tokens.
  start: ['database', 'kafka', 'tracing', 'identity'],
  topics: ['kafka'],
  // An operator's: a replay's events go out through the outbox (the running service publishes them).
  'dead-letters': ['database'],
};

/** The memory limit of each service's container by default (MiB): the stack's serviceMemoryLimit. */
export const SERVICE_MEMORY_LIMIT_MI = 384;

/**
 * Room a service needs beside V8's old generation (MiB): the young generation, compiled code,
 * sockets' and drivers' buffers and the runtime itself. The overload run
 * (`npm run bench:overload`) measures the whole process against the container's limit.
 */
const NON_HEAP_MI = 160;

/**
 * The Node options a service runs with in a container of `memoryLimitMi`: V8's old generation
 * capped so the process stays inside the limit. Left to itself, Node sizes its heap from the
 * cgroup's whole limit, so a flood grows the heap until the kernel kills the container instead
 * of the garbage collector working harder.
 */
export function serviceNodeOptions(memoryLimitMi: number): string {
  return `--max-old-space-size=${Math.max(64, Math.floor(memoryLimitMi - NON_HEAP_MI))}`;
}

export const PROBE_PATHS = { liveness: '/healthz', readiness: '/readyz', metrics: '/metrics' } as const;

/** What a deployment needs of any service it runs: the saga's three and the identity service. */
export interface DeployedContract {
  /** Short name: namespace, image and Kubernetes object names. */
  name: string;
  /** The logger/service name; for the saga's services also the consumer group and outbox lock name. */
  serviceName: string;
  httpPort: number;
  database: string;
  /** Inside the image, relative to its working directory /app. */
  entrypoint: readonly string[];
  /** From the repository root; built with the build argument SERVICE set to `name`. */
  dockerfile: string;
}

export interface ServiceContract extends DeployedContract {
  name: 'order' | 'payment' | 'inventory';
  entrypoint: string[];
  commands: typeof SERVICE_COMMANDS;
  seedsDemoData: boolean;
  /** The topics whose events it applies (its consumer group reads them). */
  consumes: readonly Topic[];
}

const contract = (name: ServiceContract['name'], httpPort: number, seedsDemoData: boolean, consumes: readonly Topic[]): ServiceContract => ({
  name,
  serviceName: `${name}-service`,
  httpPort,
  database: `${name}_service`,
  entrypoint: ['node', `services/${name}/dist/src/main.js`],
  commands: SERVICE_COMMANDS,
  dockerfile: 'services/Dockerfile',
  seedsDemoData,
  consumes,
});

export const SERVICE_CONTRACTS = {
  order: contract('order', 3001, false, [TOPICS.inventory, TOPICS.payment]),
  payment: contract('payment', 3002, true, [TOPICS.inventory, TOPICS.order]),
  inventory: contract('inventory', 3003, true, [TOPICS.order, TOPICS.payment]),
} as const;


/**
 * The identity service: the OpenID Connect issuer whose tokens the three APIs accept. It
 * takes no part in the saga (no Kafka); it has its own database of who may log in.
 */
export const IDENTITY_CONTRACT = {
  name: 'identity',
  serviceName: 'identity-service',
  httpPort: 3004,
  database: 'identity_service',
  entrypoint: ['node', 'services/identity/dist/src/main.js'],
  commands: ['migrate', 'start', 'token'],
  /** What each command run in the cluster connects to (as COMMAND_DEPENDENCIES for the others). */
  connects: { migrate: ['database'], start: ['database'] },
  dockerfile: 'services/Dockerfile',
  /** The applications that sign people in: the order console and the command line. */
  clients: { console: 'console', cli: 'cli' },
} as const satisfies DeployedContract & {
  commands: readonly string[];
  connects: Record<string, readonly (typeof COMMAND_DEPENDENCIES)[ServiceCommand][number][]>;
  clients: Record<string, string>;
};

/** Every service a deployment runs from this repository: the saga's three and the identity service. */
export const DEPLOYED_CONTRACTS: Readonly<Record<keyof typeof SERVICE_CONTRACTS | 'identity', DeployedContract>> = { ...SERVICE_CONTRACTS, identity: IDENTITY_CONTRACT };

/** The demo customers: payment's demo data gives them accounts, the identity service logins. */
export const DEMO_CUSTOMERS = ['alice', 'bob', 'carol'] as const;
