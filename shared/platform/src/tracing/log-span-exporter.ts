import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../logger.js';

/** TRACING_EXPORTER=console: each finished span as one JSON log line (so Dozzle shows them too). */
export class LogSpanExporter implements SpanExporter {
  constructor(private readonly logger: Logger) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    // The line's own trace_id and span_id are the exported span's (they win over the logger's mixin).
    for (const span of spans) {
      const { traceId, spanId } = span.spanContext();
      this.logger.info(
        {
          trace_id: traceId,
          span_id: spanId,
          span: {
            name: span.name,
            parent_span_id: span.parentSpanContext?.spanId,
            kind: span.kind,
            duration_ms: Math.round(hrTimeToMilliseconds(span.duration) * 1000) / 1000,
            status: span.status.code,
            attributes: span.attributes,
          },
        },
        'span',
      );
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}
