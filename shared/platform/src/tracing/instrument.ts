import type { IncomingMessage } from 'node:http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { tracingSettings } from '../platform-settings.js';
import { readSettings } from '../settings.js';

/** Probes and scrapes would be most of the traces and tell nothing. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** `name as (` of a WITH clause: what `from name` then reads is no table. */
const CTE_NAME = /\b([a-z_][a-z0-9_]*)\s+as\s+(?:(?:not\s+)?materialized\s+)?\(/gi;
const TABLE_USE = /\b(insert\s+into|update|delete\s+from|from|join)\s+([a-z_][a-z0-9_]*)/gi;

/**
 * A statement's span name from what it does to which tables ("pg insert orders, outbox"),
 * not from the prepared statement's hashed name.
 */
export function statementSpanName(sql: string): string {
  const notTables = new Set(['set', 'unnest', ...[...sql.matchAll(CTE_NAME)].map(([, name]) => name!.toLowerCase())]);
  const uses: string[] = [];
  for (const [, verb, table] of sql.matchAll(TABLE_USE)) {
    const kind = /^(from|join)$/i.test(verb!) ? 'select' : verb!.split(/\s+/)[0]!.toLowerCase();
    if (notTables.has(table!.toLowerCase())) continue;
    const use = `${kind} ${table}`;
    if (!uses.includes(use)) uses.push(use);
  }
  return uses.length ? `pg ${uses.join(', ')}` : `pg ${sql.trim().split(/[\s;(]+/)[0]!.toLowerCase()}`;
}

/**
 * The first import of each service's main.js: when TRACING_EXPORTER asks for spans, the
 * http, express and pg modules are patched here, before anything requires them. The
 * tracer provider starts later, with the config (startTracing); until then spans go nowhere.
 * A bad value is left for the config check, which names it and exits 2.
 */
export function instrumentFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  let exporter: string;
  try {
    exporter = readSettings({ exporter: tracingSettings.exporter }, env).exporter;
  } catch {
    return false;
  }
  if (exporter === 'none') return false;
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]!),
        // The services make no HTTP calls of their own; the OTLP exporter's are not traced either.
        ignoreOutgoingRequestHook: () => true,
      }),
      // The route's handler, not every middleware it passes.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // Statements outside a traced request or event (relay polls, pruning) make no traces of their own;
      // parameter values are never recorded.
      new PgInstrumentation({ requireParentSpan: true, requestHook: (span, { query }) => span.updateName(statementSpanName(query.text)) }),
    ],
  });
  return true;
}

instrumentFromEnvironment();
