import { Writable } from 'node:stream';
import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { expect } from 'chai';
import { pino } from 'pino';
import { statementSpanName } from '../src/tracing/instrument.js';
import { LogSpanExporter } from '../src/tracing/log-span-exporter.js';
import { contextOfHeaders } from '@orders/messaging';
import {
  headersOf,
  keepTrace,
  sagaTracer,
  traceIdsForLog,
  traceparentForEvent,
  withOrderTraces,
} from '../src/tracing/trace-context.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('tracing: what the outbox, Kafka headers and log lines carry (in-memory exporter)', function () {
  describe('with tracing off (no provider registered)', function () {
    it('writes no trace context and logs no ids: nothing to pay for', function () {
      const span = sagaTracer.startSpan('process OrderCreated');
      context.with(trace.setSpan(ROOT_CONTEXT, span), () => {
        expect(traceparentForEvent({ orderId: 'o-1' })).to.equal(null);
        expect(traceIdsForLog(() => 'o-1')).to.deep.equal({});
      });
      expect(headersOf(trace.setSpan(ROOT_CONTEXT, span))).to.deep.equal({});
    });
  });

  describe('with a provider', function () {
    const exporter = new InMemorySpanExporter();
    let provider: NodeTracerProvider;

    before(function () {
      provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      provider.register();
    });

    after(async function () {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    });

    beforeEach(() => exporter.reset());

    it('an event written inside a request continues the request span; one kept by group commit keeps it anywhere', function () {
      const request = sagaTracer.startSpan('POST /orders');
      const { traceId, spanId } = request.spanContext();
      const kept = { orderId: 'o-kept' };
      context.with(trace.setSpan(ROOT_CONTEXT, request), () => {
        expect(traceparentForEvent({ orderId: 'o-1' })).to.equal(`00-${traceId}-${spanId}-01`);
        keepTrace(kept);
      });
      // Written later by another request's statement.
      const other = sagaTracer.startSpan('POST /orders');
      context.with(trace.setSpan(ROOT_CONTEXT, other), () => expect(traceparentForEvent(kept)).to.equal(`00-${traceId}-${spanId}-01`));
      expect(traceparentForEvent({ orderId: 'o-none' })).to.equal(null);
    });

    it('in a transaction of many orders, each outgoing event and log line follows the event of its own order', function () {
      const a = sagaTracer.startSpan('process OrderCreated');
      const b = sagaTracer.startSpan('process OrderCreated');
      const byOrder = new Map([
        ['o-a', trace.setSpan(ROOT_CONTEXT, a)],
        ['o-b', trace.setSpan(ROOT_CONTEXT, b)],
      ]);
      withOrderTraces(ROOT_CONTEXT, byOrder, () => {
        expect(traceparentForEvent({ orderId: 'o-b' })!.match(TRACEPARENT)!.slice(1)).to.deep.equal([b.spanContext().traceId, b.spanContext().spanId]);
        expect(traceparentForEvent({ orderId: 'o-a' })!.match(TRACEPARENT)![1]).to.equal(a.spanContext().traceId);
        expect(traceIdsForLog(() => 'o-a')).to.deep.equal({ trace_id: a.spanContext().traceId, span_id: a.spanContext().spanId });
        expect(traceIdsForLog(() => 'o-unknown')).to.deep.equal({});
      });
    });

    it('Kafka headers carry the producer span to the consumer, as text or as the Buffers kafkajs delivers', function () {
      const publish = sagaTracer.startSpan('publish OrderCreated');
      const headers = headersOf(trace.setSpan(ROOT_CONTEXT, publish));
      expect(headers.traceparent).to.match(TRACEPARENT);
      for (const delivered of [headers, { traceparent: Buffer.from(headers.traceparent!) }]) {
        const process = sagaTracer.startSpan('process OrderCreated', {}, contextOfHeaders(delivered));
        process.end();
      }
      publish.end();
      const spans = exporter.getFinishedSpans();
      const processes = spans.filter((s) => s.name === 'process OrderCreated');
      expect(processes).to.have.length(2);
      for (const p of processes) {
        expect(p.spanContext().traceId).to.equal(publish.spanContext().traceId);
        expect(p.parentSpanContext?.spanId).to.equal(publish.spanContext().spanId);
      }
    });

    it('TRACING_EXPORTER=console: one JSON log line per span, with its ids and parent', async function () {
      const lines: Record<string, any>[] = [];
      const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
      const parent = sagaTracer.startSpan('POST /orders');
      const child = sagaTracer.startSpan('publish OrderCreated', {}, trace.setSpan(ROOT_CONTEXT, parent));
      child.end();
      parent.end();
      // Exported while another span is active: the line still names the exported span only.
      const busy = sagaTracer.startSpan('process OrderCreated');
      const done = await context.with(trace.setSpan(ROOT_CONTEXT, busy), () =>
        new Promise((resolve) => new LogSpanExporter(pino({ mixin: () => traceIdsForLog(() => undefined) }, sink)).export(exporter.getFinishedSpans() as never, resolve)),
      );
      expect(done).to.deep.equal({ code: 0 });
      expect(lines.map((l) => [l.msg, l.span.name, l.trace_id, l.span_id, l.span.parent_span_id])).to.deep.equal([
        ['span', 'publish OrderCreated', parent.spanContext().traceId, child.spanContext().spanId, parent.spanContext().spanId],
        ['span', 'POST /orders', parent.spanContext().traceId, parent.spanContext().spanId, undefined],
      ]);
    });
  });

  it('statement spans are named by what they do to which tables, not by the prepared statement hash', function () {
    expect(statementSpanName('BEGIN;')).to.equal('pg begin');
    expect(statementSpanName('select pg_try_advisory_xact_lock(1)')).to.equal('pg select');
    expect(
      statementSpanName(`with claimed as (select 1 as key), placed as (insert into orders (id) select * from unnest(?::uuid[]) where exists (select 1 from claimed) returning 1),
        published as (insert into outbox (event_id) select * from unnest(?::uuid[]) returning 1) select count(*) from placed`),
    ).to.equal('pg insert orders, insert outbox');
    expect(statementSpanName('update products p set available = v.a from (values (1)) v join reservations r on true')).to.equal('pg update products, select reservations');
    expect(statementSpanName('insert into payments (id) values ($1) on conflict (id) do update set status = excluded.status')).to.equal('pg insert payments');
  });
});
