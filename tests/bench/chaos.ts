/**
 * npm run chaos -- [--rate R] [--kill-rounds N] [--freeze-seconds S] [--refuse-seconds S]
 *                  [--burst N] [--no-infra] [--json] [--record]
 *
 * Under steady load (orders placed at `rate`/s, some cancelled, some bound to fail for
 * stock or money) it injects the faults of faults.ts one after another: SIGKILL of each
 * service (alone, and one of two instances), the Kafka broker restarted and frozen, PostgreSQL
 * restarted and refusing connections, the relays' connections terminated, duplicates, a
 * burst of duplicates, a poison message. After each, a probe order measures recovery: from
 * the end of the fault until a new order has gone through the saga. Then it waits for
 * quiescence and checks the saga invariants across the three databases. Prints per-fault
 * results and, with --json, one JSON line last; --record keeps the result as
 * docs/benchmarks/chaos-<date>.json. A lost order or a violation exits non-zero.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TOPICS } from '@orders/contracts';
import { createKafka, createProducer, silenceKnownKafkaJsWarning } from '@orders/messaging';
import { silentLogger, testKafkaSettings } from '@orders/testing';
import { TopicReader } from '@orders/testing';
import { Api, TERMINAL } from '../support/api.js';
import { settledViolations } from '../support/invariants.js';
import { OrderStream } from '../support/load.js';
import { LocalSystem } from '../support/system.js';
import { chaosFaults } from './faults.js';
import { printTable, readOptions, round } from './options.js';
import { type ChaosRecord, keepRecord, today } from './records.js';

export const CHAOS_DEFAULTS = {
  rate: 40,
  killRounds: 2,
  noInfra: false,
  freezeSeconds: 20,
  refuseSeconds: 10,
  burst: 1000,
  settleTimeout: 180,
  json: false,
  record: false,
  quiet: false,
};
export type ChaosOptions = typeof CHAOS_DEFAULTS;

export interface FaultResult {
  fault: string;
  /** How long the fault itself lasted (a freeze, a refusal); 0 for a kill. */
  fault_s: number;
  /** From the end of the fault until a new order went through the whole saga (restarting a killed process included). */
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

    const faults = chaosFaults({ system, producer, reader, dlq, topics }, options);

    await new Promise((r) => setTimeout(r, 1000));
    const results: FaultResult[] = [];
    for (const fault of faults) {
      await fault.before?.();
      log(`${fault.name} ...`);
      const started = Date.now();
      let cleared = started;
      try {
        const detail = await fault.inject();
        cleared = Date.now();
        await fault.recover?.();
        await probe();
        const recovery = (Date.now() - cleared) / 1000;
        results.push({
          fault: fault.name,
          fault_s: round((cleared - started) / 1000),
          recovery_s: round(recovery),
          ok: true,
          ...(detail ? { detail } : {}),
        });
        log(`${fault.name}: recovered in ${recovery.toFixed(1)} s`);
      } catch (error) {
        results.push({ fault: fault.name, fault_s: round((cleared - started) / 1000), recovery_s: round((Date.now() - cleared) / 1000), ok: false, detail: String(error) });
        log(`${fault.name}: FAILED ${String(error)}`);
      }
      await fault.after?.();
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
      // With --json, stdout carries the JSON line alone.
      const out = options.json ? process.stderr : process.stdout;
      out.write('\nchaos: faults under load\n');
      printTable(
        out,
        results.map((r) => [r.fault, `${r.ok ? 'ok' : 'FAILED'}, ${r.fault_s ? `lasted ${r.fault_s} s, ` : ''}recovered in ${r.recovery_s} s${r.detail ? ` (${r.detail})` : ''}`]),
      );
      out.write('\n');
      printTable(out, [
        ['orders accepted', result.orders],
        ['lost (never terminal)', result.lost],
        ['invariant violations', result.invariant_violations],
        ['max recovery', `${result.max_recovery_s} s`],
      ]);
      for (const v of violations.slice(0, 20)) out.write(`  violation: ${v}\n`);
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

/** The result in one line: the counts, and each fault's recovery by name. */
export function chaosSummary(result: ChaosResult): Omit<ChaosRecord, 'date' | 'command' | 'rate_per_sec'> {
  const { faults, orders, lost, invariant_violations, max_recovery_s, results } = result;
  return { faults, orders, lost, invariant_violations, max_recovery_s, recovery_s: Object.fromEntries(results.map((r) => [r.fault, r.recovery_s])) };
}

if (require.main === module) {
  silenceKnownKafkaJsWarning();
  const options = readOptions(process.argv.slice(2), CHAOS_DEFAULTS);
  runChaos(options).then(
    (result) => {
      const summary = chaosSummary(result);
      if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      if (options.record) {
        const command = ['npm run chaos --', ...process.argv.slice(2).filter((a) => a !== '--json')].join(' ');
        const file = keepRecord('chaos', { date: today(), command, rate_per_sec: options.rate, ...summary } satisfies ChaosRecord);
        process.stderr.write(`[chaos] kept: ${path.relative(process.cwd(), file)}\n`);
      }
      process.exit(result.lost > 0 || result.invariant_violations > 0 ? 1 : 0);
    },
    (error: unknown) => {
      process.stderr.write(`chaos failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
