import {
  context,
  createContextKey,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/** The tracer of the saga's own spans (publish, process); HTTP, Express and pg spans come from their instrumentations. */
export const sagaTracer = trace.getTracer('@orders/shared');

/** The W3C `traceparent` of a context; null when nothing in it is traced (or tracing is off). */
export const traceparentOf = (ctx: Context): string | null => headersOf(ctx).traceparent ?? null;

/** The context a stored `traceparent` continues. */
export function contextOfTraceparent(traceparent: string | null): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** Headers that carry `ctx` to the consumer of a message. */
export function headersOf(ctx: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  return headers;
}

/**
 * A saga event's span on one side of Kafka: `publish <Event>` (PRODUCER, the relay's send)
 * or `process <Event>` (CONSUMER, a consumer's handling), a child of `parent`.
 */
export function messagingSpan(operation: 'publish' | 'process', eventType: string, attributes: Attributes, parent: Context): Span {
  return sagaTracer.startSpan(
    `${operation} ${eventType}`,
    {
      kind: operation === 'publish' ? SpanKind.PRODUCER : SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': operation === 'publish' ? 'send' : 'process', ...attributes },
    },
    parent,
  );
}

/** Ends spans whose work failed with `error`. */
export function endFailed(spans: readonly Span[], error: unknown): void {
  for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) }).end();
}

const ORDER_TRACES = createContextKey('orders: the trace of the event being handled, by order id');

/**
 * Runs `fn` (a consumer transaction) where an event written for an order continues the
 * trace of the handled event of that order: one transaction may apply the events of many
 * orders, each with a trace of its own.
 */
export function withOrderTraces<T>(base: Context, byOrder: ReadonlyMap<string, Context>, fn: () => T): T {
  return context.with(base.setValue(ORDER_TRACES, byOrder), fn);
}

/**
 * Events placed by group commit are written after their requests have moved on; each keeps
 * the trace of the request that made it.
 */
const madeIn = new WeakMap<object, string>();

/** Remembers the request's trace for an event that another request's statement may write. */
export function keepTrace(event: object): void {
  const traceparent = traceparentOf(context.active());
  if (traceparent) madeIn.set(event, traceparent);
}

/**
 * The trace an outgoing event of `orderId` continues: the one kept for it, else that of the
 * handled event of the same order, else the active one (the HTTP request); null when none.
 */
export function traceparentForEvent(event: { orderId: string }): string | null {
  const kept = madeIn.get(event);
  if (kept) return kept;
  const active = context.active();
  const byOrder = active.getValue(ORDER_TRACES) as ReadonlyMap<string, Context> | undefined;
  return traceparentOf(byOrder?.get(event.orderId) ?? active);
}

/**
 * The trace and span ids a log line carries: those of the active span, or, in a transaction
 * applying the events of many orders, those of the event of the line's order.
 */
export function traceIdsForLog(orderIdOf: () => unknown): { trace_id?: string; span_id?: string } {
  const active = context.active();
  const byOrder = active.getValue(ORDER_TRACES) as ReadonlyMap<string, Context> | undefined;
  const orderId = byOrder ? orderIdOf() : undefined;
  const span = trace.getSpan((typeof orderId === 'string' && byOrder?.get(orderId)) || active);
  if (!span || !isSpanContextValid(span.spanContext())) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
