/** The faults `npm run chaos` injects under load, in the order it injects them. */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Message, Producer } from 'kafkajs';
import { adminDb, type TopicReader } from '@orders/testing';
import { SERVICES, type LocalSystem } from '../support/system.js';

export interface Fault {
  name: string;
  /** Untimed preparation (e.g. a second instance of every service). */
  before?: () => Promise<void>;
  /** Causes the fault; resolves once the fault itself is over (the process is dead, the broker resumed). */
  inject: () => Promise<string | void>;
  /** What an orchestrator does next (start the killed process again): part of the recovery time. */
  recover?: () => Promise<void>;
  /** Untimed clean-up. */
  after?: () => Promise<void>;
}

export interface FaultOptions {
  killRounds: number;
  noInfra: boolean;
  /** How long the broker is frozen (SIGSTOP … SIGCONT). */
  freezeSeconds: number;
  /** How long PostgreSQL refuses connections to the services' databases. */
  refuseSeconds: number;
  /** Events sent again at once, with their ids unchanged. */
  burst: number;
}

export interface FaultContext {
  system: LocalSystem;
  producer: Producer;
  /** Every saga event so far (the source of the duplicates). */
  reader: TopicReader;
  /** The order topic's dead-letter topic. */
  dlq: TopicReader;
  topics: string[];
}

const ROOT = path.resolve(__dirname, '..', '..', '..');
const infra = (...args: string[]) => execFileSync('bash', [path.join(ROOT, 'scripts', 'infra.sh'), ...args], { stdio: 'pipe' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs SQL as the server's superuser on its `postgres` database. */
async function asSuperuser<T>(work: (db: ReturnType<typeof adminDb>) => Promise<T>): Promise<T> {
  const db = adminDb();
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

export function chaosFaults(ctx: FaultContext, options: FaultOptions): Fault[] {
  const { system } = ctx;
  const databases = SERVICES.map((s) => system.dbName(s));
  const faults: Fault[] = [];

  for (let round = 1; round <= options.killRounds; round++) {
    for (const service of SERVICES) {
      faults.push({
        name: `SIGKILL ${service} #${round}`,
        inject: async () => void (await system.stopService(service, 'SIGKILL')),
        recover: () => system.startService(service),
      });
    }
  }

  SERVICES.forEach((service, i) => {
    faults.push({
      name: `SIGKILL ${service}, one of two instances`,
      ...(i === 0 ? { before: async () => void (await Promise.all(SERVICES.map((s) => system.startReplica(s)))) } : {}),
      inject: async () => void (await system.stopService(service, 'SIGKILL')),
      recover: () => system.startService(service),
      ...(i === SERVICES.length - 1 ? { after: () => system.stopReplicas() } : {}),
    });
  });

  if (!options.noInfra) {
    faults.push({ name: 'restart the Kafka broker', inject: async () => void infra('restart', 'kafka') });
    faults.push({
      name: `freeze the Kafka broker for ${options.freezeSeconds} s`,
      inject: async () => void infra('freeze', 'kafka', String(options.freezeSeconds)),
    });
    faults.push({
      name: 'restart PostgreSQL',
      inject: async () => {
        infra('restart', 'postgres');
        await system.reconnectDatabases();
      },
    });
  }

  faults.push({
    name: "terminate the relays' database connections",
    inject: async () => {
      const { rows } = await asSuperuser((db) =>
        db.raw<{ rows: unknown[] }>(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = any(?) and application_name like '%-relay'`,
          [databases],
        ),
      );
      return `${rows.length} connections terminated (pg_terminate_backend)`;
    },
  });

  faults.push({
    name: `PostgreSQL refuses connections for ${options.refuseSeconds} s`,
    inject: async () => {
      const terminated = await asSuperuser(async (db) => {
        for (const name of databases) await db.raw(`alter database ?? with allow_connections false`, [name]);
        const { rows } = await db.raw<{ rows: unknown[] }>('select pg_terminate_backend(pid) from pg_stat_activity where datname = any(?)', [databases]);
        return rows.length;
      });
      try {
        await sleep(options.refuseSeconds * 1000);
      } finally {
        await asSuperuser(async (db) => {
          for (const name of databases) await db.raw(`alter database ?? with allow_connections true`, [name]);
        });
      }
      await system.reconnectDatabases();
      return `${terminated} connections terminated, new ones refused`;
    },
  });

  faults.push({
    name: 'duplicate events',
    inject: async () => {
      const sample = ctx.reader.messages.slice(-150);
      for (const m of sample) {
        const event = JSON.parse(m.value!);
        await ctx.producer.send({
          topic: m.topic,
          messages: [
            { key: m.key, value: m.value, headers: m.headers },
            { key: m.key, value: JSON.stringify({ ...event, eventId: randomUUID() }), headers: m.headers },
          ],
        });
      }
      return `${sample.length} events sent again, each also under a new event id`;
    },
  });

  faults.push({
    name: `a burst of ${options.burst} duplicate events`,
    inject: async () => {
      const recent = ctx.reader.messages.slice(-options.burst);
      const burst = Array.from({ length: options.burst }, (_, i) => recent[i % recent.length]!);
      const byTopic = new Map<string, Message[]>();
      for (const m of burst) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { key: m.key, value: m.value, headers: m.headers }]);
      await ctx.producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      return `${burst.length} events sent again at once, ids unchanged`;
    },
  });

  faults.push({
    name: 'poison message',
    inject: async () => {
      const key = `poison-${randomUUID()}`;
      await ctx.producer.send({ topic: ctx.topics[0]!, messages: [{ key, value: '{"type":"OrderCreated","payload":' }] });
      await ctx.dlq.waitForCount((m) => m.key === key, 2, 60000);
      return 'dead-lettered by inventory and payment';
    },
  });
  return faults;
}
