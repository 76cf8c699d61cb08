import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { KAFKA_ADMIN_USER, SERVICE_CONTRACTS } from '@orders/contracts';
import { adminDb, kafkaUser, testDbServer } from '@orders/testing';
import { LocalIdentity } from './identity.js';
import { runToEnd, spawnLogged, stopProcess, untilReady } from './process.js';

export const SERVICES = ['order', 'payment', 'inventory'] as const;
export type ServiceName = (typeof SERVICES)[number];

const ROOT = path.resolve(__dirname, '..', '..', '..');
const mainOf = (service: ServiceName) => path.join(ROOT, 'services', service, 'dist', 'src', 'main.js');
/** The application role each service runs as (created by its migrate; roles are server-wide). */
export const appRoleOf = (service: ServiceName) => `orders_test_${service}_app`;
const APP_ROLE_PASSWORD = 'orders-test-app-pw';

/** Ports given to services of this test process: free when handed out, but not listened on yet. */
const handedOut = new Set<number>();

/**
 * A port that is free now, below the kernel's ephemeral range (32768+): a port from that
 * range can be taken as the source port of an outgoing connection (to PostgreSQL, Kafka)
 * between this check and the service's listen.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    // The check below passes for a port handed out whose service has not started yet.
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
}

export interface SystemOptions {
  /** Extra environment for every service (e.g. SAGA_TIMEOUT_MS). */
  env?: Record<string, string>;
}

/**
 * The three services as plain Node processes, started with the very commands their
 * images run (`main.js topics`, `main.js migrate`, `main.js start`), on fresh databases
 * and a Kafka topic prefix of their own, against the real local PostgreSQL and Kafka.
 */
export class LocalSystem {
  readonly processes = new Map<ServiceName, ChildProcess>();
  /** Extra pods of a service: same database and consumer group, their own port. */
  readonly replicas: { service: ServiceName; port: number; child: ChildProcess }[] = [];
  readonly dbs = new Map<ServiceName, Knex>();
  readonly logDir: string;
  /** The issuer whose tokens the services accept. */
  readonly identity: LocalIdentity;

  private constructor(
    readonly id: string,
    readonly ports: Record<ServiceName, number>,
    identityPort: number,
    readonly topicPrefix: string,
    private readonly extraEnv: Record<string, string>,
  ) {
    this.logDir = path.join(ROOT, '.cache', 'test-logs', id);
    mkdirSync(this.logDir, { recursive: true });
    this.identity = new LocalIdentity(`${id}_identity`, identityPort, () => createWriteStream(path.join(this.logDir, 'identity.log'), { flags: 'a' }), {
      // The console of this system's order service signs in here.
      IDENTITY_CONSOLE_URLS: `${this.url('order', '/console/')},http://localhost:${ports.order}/console/`,
    });
  }

  static async start(options: SystemOptions = {}): Promise<LocalSystem> {
    const id = `e2e_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const ports = { order: await freePort(), payment: await freePort(), inventory: await freePort() };
    const system = new LocalSystem(id, ports, await freePort(), `${id}.`, options.env ?? {});
    const admin = adminDb();
    try {
      for (const service of SERVICES) await admin.raw(`create database ${system.dbName(service)}`);
      await admin.raw(`create database ${system.identity.database}`);
    } finally {
      await admin.destroy();
    }
    await system.identity.migrate();
    await system.identity.start();
    await system.run('order', 'topics');
    for (const service of SERVICES) await system.run(service, 'migrate');
    system.connectDatabases();
    await Promise.all(SERVICES.map((s) => system.startService(s)));
    return system;
  }

  /** The harness's own connections to the three databases (for checks, not for the services). */
  private connectDatabases(): void {
    for (const service of SERVICES) {
      this.dbs.set(
        service,
        knexFactory({ client: 'pg', connection: { ...testDbServer, database: this.dbName(service) }, pool: { min: 0, max: 4 } }),
      );
    }
  }

  /** After a PostgreSQL restart: drop the dead connections. */
  async reconnectDatabases(): Promise<void> {
    await Promise.all([...this.dbs.values()].map((db) => db.destroy()));
    this.connectDatabases();
  }

  dbName(service: ServiceName): string {
    return `${this.id}_${service}`;
  }

  db(service: ServiceName): Knex {
    return this.dbs.get(service)!;
  }

  url(service: ServiceName, pathname = ''): string {
    return `http://127.0.0.1:${this.ports[service]}${pathname}`;
  }

  env(service: ServiceName): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(this.ports[service]),
      DB_HOST: testDbServer.host,
      DB_PORT: String(testDbServer.port),
      // As on the cluster: the services run as a role that may only read and write rows.
      DB_USER: appRoleOf(service),
      DB_PASSWORD: APP_ROLE_PASSWORD,
      DB_NAME: this.dbName(service),
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      // Each service as its own Kafka user, allowed only its own topics and group.
      ...kafkaUserEnv(SERVICE_CONTRACTS[service].serviceName),
      KAFKA_TOPIC_PREFIX: this.topicPrefix,
      AUTH_ISSUER: this.identity.issuer,
      KAFKA_TOPIC_PARTITIONS: '3',
      LOG_LEVEL: 'info',
      SAGA_SWEEP_INTERVAL_MS: '200',
      CONSUMER_RETRY_BASE_MS: '50',
      DEMO_SEED: 'false',
      SHUTDOWN_TIMEOUT_MS: '15000',
      // Tests stop services often and no load balancer routes to them; the drain is tested on its own.
      SHUTDOWN_DRAIN_MS: '0',
      ...this.extraEnv,
    };
  }

  private logStream(service: ServiceName) {
    return createWriteStream(path.join(this.logDir, `${service}.log`), { flags: 'a' });
  }

  /** Runs a one-shot command (migrate, topics) to completion. */
  async run(service: ServiceName, command: 'migrate' | 'topics'): Promise<void> {
    // migrate runs as the schema's owner and sets the application role up.
    const env = {
      ...this.env(service),
      DB_USER: testDbServer.user,
      DB_PASSWORD: testDbServer.password,
      APP_DB_USER: appRoleOf(service),
      APP_DB_PASSWORD: APP_ROLE_PASSWORD,
      // The topic Job's user creates the topics and the ACLs.
      ...(command === 'topics' ? kafkaUserEnv(KAFKA_ADMIN_USER) : {}),
    };
    await runToEnd(spawnLogged(mainOf(service), command, env, this.logStream(service)), `${service} ${command}`, this.logDir);
  }

  async startService(service: ServiceName): Promise<void> {
    const child = await this.spawnStart(service, this.ports[service]);
    this.processes.set(service, child);
  }

  /** The pids of the running processes of `service` (replicas included). */
  pidsOf(service: ServiceName): number[] {
    const children = [this.processes.get(service), ...this.replicas.filter((r) => r.service === service).map((r) => r.child)];
    return children.flatMap((c) => (c?.pid !== undefined && c.exitCode === null ? [c.pid] : []));
  }

  /** Where scripts/infra.sh records what it started. */
  static readonly infraRunDir = path.join(ROOT, '.cache', 'infra', 'run');

  /** The pid of a process `scripts/infra.sh` started (kafka, zookeeper; postgres only when it started one). */
  static infraPid(name: 'kafka' | 'zookeeper' | 'postgres'): number | undefined {
    try {
      return Number(readFileSync(path.join(LocalSystem.infraRunDir, `${name}.pid`), 'utf8').trim());
    } catch {
      return undefined;
    }
  }

  /** Starts one more process of `service` (a second replica); returns its port. */
  async startReplica(service: ServiceName): Promise<number> {
    const port = await freePort();
    const child = await this.spawnStart(service, port);
    this.replicas.push({ service, port, child });
    return port;
  }

  private async spawnStart(service: ServiceName, port: number): Promise<ChildProcess> {
    const env = { ...this.env(service), HTTP_PORT: String(port) };
    const child = spawnLogged(mainOf(service), 'start', env, this.logStream(service));
    await untilReady(child, service, `http://127.0.0.1:${port}`, this.logDir);
    return child;
  }

  /** Stops one service (SIGTERM: graceful; SIGKILL: a crash) and waits for the exit code. */
  async stopService(service: ServiceName, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<number | null> {
    const child = this.processes.get(service);
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const code = await stopProcess(child, signal);
    this.processes.delete(service);
    return code;
  }

  /** Stops every replica started with startReplica (SIGTERM). */
  async stopReplicas(): Promise<void> {
    await Promise.all(
      this.replicas.splice(0).map(({ child }) => stopProcess(child)),
    );
  }

  async stop({ dropDatabases = true } = {}): Promise<void> {
    await Promise.all(SERVICES.map((s) => this.stopService(s)));
    await this.stopReplicas();
    await this.identity.stop();
    await Promise.all([...this.dbs.values()].map((db) => db.destroy()));
    this.dbs.clear();
    if (!dropDatabases) return;
    const admin = adminDb();
    try {
      for (const service of SERVICES) await admin.raw(`drop database if exists ${this.dbName(service)} with (force)`);
      await admin.raw(`drop database if exists ${this.identity.database} with (force)`);
    } finally {
      await admin.destroy();
    }
  }
}

function kafkaUserEnv(user: string): Record<string, string> {
  const { saslUsername, saslPassword } = kafkaUser(user);
  return { KAFKA_SASL_USERNAME: saslUsername, KAFKA_SASL_PASSWORD: saslPassword };
}
