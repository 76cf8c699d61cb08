import { propagation, ROOT_CONTEXT, type Context, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

const kafkaHeaders: TextMapGetter<IHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => {
    const value = headers[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.map(String) : String(value);
  },
};

/** The context a consumed message's headers carry (the producer's span). */
export const contextOfHeaders = (headers: IHeaders | undefined): Context => propagation.extract(ROOT_CONTEXT, headers ?? {}, kafkaHeaders);
