/**
 * npm run chaos -- [--rate R] [--kill-rounds N] [--no-infra] [--json]
 *
 * Under steady load (orders placed at `rate`/s, some cancelled, some bound to fail for
 * stock or money), in turn: SIGKILL and restart each service (`kill-rounds` times each),
 * restart the Kafka broker, restart PostgreSQL, inject duplicated events, inject a poison
 * message. After each fault a probe order measures recovery. Then it waits for quiescence
 * and checks the saga invariants across the three databases. Prints per-fault results and, with
 * --json, one JSON line last; any violation exits non-zero.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createKafka, createProducer, silenceKnownKafkaJsWarning, TOPICS } from '@orders/shared';
import { silentLogger, testKafkaSettings } from '@orders/shared/testing';
import { TopicReader } from '@orders/shared/testing';
import { Api, TERMINAL } from '../support/api.js';
import { settledViolations } from '../support/invariants.js';
import { OrderStream } from '../support/load.js';
import { LocalSystem, SERVICES, type ServiceName } from '../support/system.js';
import { printTable, readOptions } from './options.js';

export const CHAOS_DEFAULTS = { rate: 40, killRounds: 2, noInfra: false, settleTimeout: 180, json: false, quiet: false };
export type ChaosOptions = typeof CHAOS_DEFAULTS;

export interface FaultResult {
  fault: string;
  recovery_s: number;
  ok: boolean;
  detail?: string;
}

export interface ChaosResult {
  faults: number;
  orders: number;
  lost: number;
  invariant_violations: number;
  max_recovery_s: number;
  results: FaultResult[];
  violations: string[];
}

const ROOT = path.resolve(__dirname, '..', '..', '..');
const infra = (...args: string[]) => execFileSync('bash', [path.join(ROOT, 'scripts', 'infra.sh'), ...args], { stdio: 'pipe' });

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = (line: string) => options.quiet || process.stderr.write(`[chaos] ${line}\n`);
  const system = await LocalSystem.start({ env: { LOG_LEVEL: 'warn', SAGA_TIMEOUT_MS: '15000', COMPENSATION_RETRY_MS: '5000' } });
  const api = new Api(system);
  const kafka = createKafka(testKafkaSettings('chaos'), silentLogger);
  const topics = Object.values(TOPICS).map((t) => system.topicPrefix + t);
  const reader = await TopicReader.start(kafka, topics);
  const dlq = await TopicReader.start(kafka, [`${system.topicPrefix}${TOPICS.order}.dlq`]);
  const producer = createProducer(kafka);
  await producer.connect();
  let stream: OrderStream | null = null;
  let cancelling: NodeJS.Timeout | null = null;
  try {
    // Rich customers, a poor one (INSUFFICIENT_FUNDS), plenty of stock and one scarce SKU (OUT_OF_STOCK).
    const run = randomUUID().slice(0, 6);
    const customers = [0, 1, 2, 3].map((i) => `chaos-${run}-c${i}`);
    const skus = [0, 1, 2].map((i) => `CHAOS-${run}-${i}`);
    for (const c of customers.slice(0, 3)) await api.account(c, 50_000_000);
    await api.account(customers[3]!, 2_000);
    for (const s of skus.slice(0, 2)) await api.product(s, 250, 10_000_000);
    await api.product(skus[2]!, 300, 25);

    stream = new OrderStream(api, customers, skus, Math.max(5, Math.round(1000 / options.rate)));
    const cancelled = new Set<string>();
    cancelling = setInterval(() => {
      const id = stream!.accepted[Math.floor(Math.random() * stream!.accepted.length)];
      if (id && !cancelled.has(id)) {
        cancelled.add(id);
        api.request('order', 'POST', `/orders/${id}/cancel`).catch(() => cancelled.delete(id));
      }
    }, 500);

    /** A fresh order placed (retrying while a service is down) and followed to its end. */
    const probe = async (): Promise<void> => {
      const key = randomUUID();
      for (;;) {
        try {
          const res = await api.placeOrder(customers[0]!, [{ sku: skus[0]!, quantity: 1 }], { 'Idempotency-Key': key });
          if (res.status === 202) {
            await api.waitForStatus(res.body.id, TERMINAL, 120000);
            return;
          }
        } catch {
          // the order service is restarting
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    };

    const faults: { name: string; inject: () => Promise<string | void> }[] = [];
    for (let round = 1; round <= options.killRounds; round++) {
      for (const service of SERVICES) {
        faults.push({
          name: `SIGKILL ${service} #${round}`,
          inject: async () => {
            await system.stopService(service as ServiceName, 'SIGKILL');
            await system.startService(service as ServiceName);
          },
        });
      }
    }
    if (!options.noInfra) {
      faults.push({ name: 'restart Kafka broker', inject: async () => void infra('restart', 'kafka') });
      faults.push({
        name: 'restart PostgreSQL',
        inject: async () => {
          infra('restart', 'postgres');
          await system.reconnectDatabases();
        },
      });
    }
    faults.push({
      name: 'duplicate events',
      inject: async () => {
        const sample = reader.messages.slice(-150);
        for (const m of sample) {
          const copies = [{ key: m.key, value: m.value }];
          const event = JSON.parse(m.value!);
          copies.push({ key: m.key, value: JSON.stringify({ ...event, eventId: randomUUID() }) });
          await producer.send({ topic: m.topic, messages: copies });
        }
        return `${sample.length} events sent again, each also under a new event id`;
      },
    });
    faults.push({
      name: 'poison message',
      inject: async () => {
        const key = `poison-${randomUUID()}`;
        await producer.send({ topic: topics[0]!, messages: [{ key, value: '{"type":"OrderCreated","payload":' }] });
        await dlq.waitForCount((m) => m.key === key, 2, 60000);
        return 'dead-lettered by inventory and payment';
      },
    });

    await new Promise((r) => setTimeout(r, 1000));
    const results: FaultResult[] = [];
    for (const fault of faults) {
      const started = Date.now();
      log(`${fault.name} ...`);
      try {
        const detail = await fault.inject();
        await probe();
        const recovery = (Date.now() - started) / 1000;
        results.push({ fault: fault.name, recovery_s: Number(recovery.toFixed(1)), ok: true, ...(detail ? { detail } : {}) });
        log(`${fault.name}: recovered in ${recovery.toFixed(1)} s`);
      } catch (error) {
        results.push({ fault: fault.name, recovery_s: (Date.now() - started) / 1000, ok: false, detail: String(error) });
        log(`${fault.name}: FAILED ${String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }

    clearInterval(cancelling);
    cancelling = null;
    await stream.stop();
    log(`load stopped: ${stream.accepted.length} orders accepted; waiting for quiescence`);
    const violations = await settledViolations(system, options.settleTimeout * 1000);
    const accepted = stream.accepted;
    const terminal = await system.db('order')('orders').whereIn('id', accepted).whereIn('status', TERMINAL).count({ n: '*' });
    const lost = accepted.length - Number(terminal[0]!.n);
    if (stream.failures.length > 0) violations.push(...stream.failures.map((f) => `client failure: ${f}`));
    const result: ChaosResult = {
      faults: results.length,
      orders: accepted.length,
      lost,
      invariant_violations: violations.length + results.filter((r) => !r.ok).length,
      max_recovery_s: Math.max(0, ...results.map((r) => r.recovery_s)),
      results,
      violations,
    };
    if (!options.quiet) {
      process.stdout.write('\nchaos: faults under load\n');
      printTable(results.map((r) => [r.fault, `${r.ok ? 'ok' : 'FAILED'}, recovered in ${r.recovery_s} s${r.detail ? ` (${r.detail})` : ''}`]));
      process.stdout.write('\n');
      printTable([
        ['orders accepted', result.orders],
        ['lost (never terminal)', result.lost],
        ['invariant violations', result.invariant_violations],
        ['max recovery', `${result.max_recovery_s} s`],
      ]);
      for (const v of violations.slice(0, 20)) process.stdout.write(`  violation: ${v}\n`);
    }
    return result;
  } finally {
    if (cancelling) clearInterval(cancelling);
    await stream?.stop();
    await reader.stop();
    await dlq.stop();
    await producer.disconnect();
    await system.stop();
  }
}

if (require.main === module) {
  silenceKnownKafkaJsWarning();
  const options = readOptions(process.argv.slice(2), CHAOS_DEFAULTS);
  runChaos(options).then(
    (result) => {
      if (options.json) {
        const { faults, orders, lost, invariant_violations, max_recovery_s } = result;
        process.stdout.write(`${JSON.stringify({ faults, orders, lost, invariant_violations, max_recovery_s })}\n`);
      }
      process.exit(result.lost > 0 || result.invariant_violations > 0 ? 1 : 0);
    },
    (error: unknown) => {
      process.stderr.write(`chaos failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
