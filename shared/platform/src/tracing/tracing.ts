import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingSettings } from '../platform-settings.js';
import type { Logger } from '../logger.js';
import { LogSpanExporter } from './log-span-exporter.js';

export interface Tracing {
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/** Spans are sent in batches at most this long after they end. */
const EXPORT_DELAY_MS = 1000;

/**
 * Starts the tracer provider of a service (W3C trace context, AsyncLocalStorage) with the
 * exporter its settings name. With `none` nothing is registered: every span is a no-op
 * and no trace context is written to the outbox or to Kafka headers.
 */
export function startTracing(serviceName: string, settings: TracingSettings, logger: Logger): Tracing {
  if (settings.exporter === 'none') return { shutdown: async () => undefined };
  const exporter: SpanExporter =
    settings.exporter === 'otlp'
      ? new OTLPTraceExporter({ url: `${settings.otlpEndpoint.replace(/\/+$/, '')}/v1/traces` })
      : new LogSpanExporter(logger);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: EXPORT_DELAY_MS })],
  });
  provider.register();
  logger.info({ exporter: settings.exporter, endpoint: settings.exporter === 'otlp' ? settings.otlpEndpoint : undefined }, 'tracing on');
  return {
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
    },
  };
}
