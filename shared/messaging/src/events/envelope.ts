import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { describeIssues } from '@orders/platform';
import { EVENT_CONTRACTS, EVENT_TYPES, type EventPayload, type EventType } from '@orders/contracts';

/** Thrown for any message that can never be processed as it is; it goes to the DLQ. */
export class InvalidEventError extends Error {
  constructor(message: string, readonly details?: unknown) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/**
 * An event this service was about to send is invalid: a bug (or a limit the domain did
 * not enforce), not a fault of the message being handled. The handler fails like any
 * failing handler (retries, then the DLQ under this name), never as an invalid input.
 */
export class OutgoingEventError extends InvalidEventError {
  constructor(cause: InvalidEventError) {
    super(`outgoing ${cause.message}`, cause.details);
    this.name = 'OutgoingEventError';
  }
}

const EnvelopeSchema = z.strictObject({
  eventId: z.uuid(),
  type: z.string().min(1).max(100),
  version: z.number().int().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  orderId: z.uuid(),
  correlationId: z.string().min(1).max(200),
  payload: z.unknown(),
});

export interface EventEnvelope<T extends EventType = EventType> {
  eventId: string;
  type: T;
  version: number;
  occurredAt: string;
  orderId: string;
  correlationId: string;
  payload: EventPayload<T>;
}

/** Any event of the saga, narrowed by `type`. */
export type SagaEvent = { [T in EventType]: EventEnvelope<T> }[EventType];

export function createEvent<T extends EventType>(
  type: T,
  fields: { orderId: string; correlationId: string; payload: EventPayload<T> },
): EventEnvelope<T> {
  const event = {
    eventId: randomUUID(),
    type,
    version: EVENT_CONTRACTS[type].version,
    occurredAt: new Date().toISOString(),
    orderId: fields.orderId,
    correlationId: fields.correlationId,
    payload: fields.payload,
  };
  let valid: SagaEvent;
  try {
    valid = validateEvent(event);
  } catch (error) {
    throw error instanceof InvalidEventError ? new OutgoingEventError(error) : error;
  }
  validated.add(deepFreeze(valid));
  return valid as EventEnvelope<T>;
}

/** Envelopes `createEvent` validated; frozen, so each is still valid when it is written. */
const validated = new WeakSet<object>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** An event to write: the envelope itself when `createEvent` made it (validated then), else validated now. */
export function outgoingEvent(event: EventEnvelope): SagaEvent {
  return validated.has(event) ? (event as SagaEvent) : validateEvent(event);
}

/** An event caused by another: same order, same correlation id. */
export function followUpEvent<T extends EventType>(
  cause: { orderId: string; correlationId: string },
  type: T,
  payload: EventPayload<T>,
): EventEnvelope<T> {
  return createEvent(type, { orderId: cause.orderId, correlationId: cause.correlationId, payload });
}

/** Validates an envelope and its payload against the contract; used on produce and on consume. */
export function validateEvent(value: unknown, expectedTopic?: string): SagaEvent {
  const envelope = EnvelopeSchema.safeParse(value);
  if (!envelope.success) {
    throw new InvalidEventError('event envelope is invalid', describeIssues(envelope.error));
  }
  const { type, version } = envelope.data;
  if (!(EVENT_TYPES as string[]).includes(type)) {
    throw new InvalidEventError(`unknown event type ${JSON.stringify(type)}`);
  }
  const contract = EVENT_CONTRACTS[type as EventType];
  if (expectedTopic !== undefined && contract.topic !== expectedTopic) {
    throw new InvalidEventError(`event type ${type} does not belong on topic ${expectedTopic}`);
  }
  if (version !== contract.version) {
    throw new InvalidEventError(`unsupported version ${version} of ${type} (expected ${contract.version})`);
  }
  const payload = contract.payload.safeParse(envelope.data.payload);
  if (!payload.success) {
    throw new InvalidEventError(`payload of ${type} is invalid`, describeIssues(payload.error));
  }
  return { ...envelope.data, payload: payload.data } as SagaEvent;
}

export function decodeEvent(raw: Buffer | null, topic: string): SagaEvent {
  if (raw === null) throw new InvalidEventError('message has no value');
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new InvalidEventError('message value is not JSON');
  }
  return validateEvent(value, topic);
}
