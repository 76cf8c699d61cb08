import { z } from 'zod';
import { env, setting, type SettingsOf, type SettingsTree } from './settings.js';

/** The level of the JSON logs. */
export const logLevelSetting = setting('LOG_LEVEL', env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'pino log level');

/** Where spans go (OpenTelemetry). */
export const tracingSettings = {
  exporter: setting(
    'TRACING_EXPORTER',
    env.oneOf(['none', 'console', 'otlp']),
    'none',
    'where spans go: none; console (one JSON log line per span); otlp (OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT)',
  ),
  otlpEndpoint: setting(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    z.string().trim().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be an http:// or https:// URL'),
    'http://127.0.0.1:4318',
    'the OTLP/HTTP receiver (e.g. Jaeger) when TRACING_EXPORTER=otlp; spans go to its /v1/traces',
  ),
} satisfies SettingsTree;

export type TracingSettings = SettingsOf<typeof tracingSettings>;
