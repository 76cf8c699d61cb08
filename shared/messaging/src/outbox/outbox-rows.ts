import { EVENT_CONTRACTS } from '@orders/contracts';
import { outgoingEvent, type EventEnvelope } from '../events/envelope.js';
import { traceparentForEvent } from '@orders/platform';

/** An outbox row as it is stored and as the relay sends it. */
export interface OutboxMessage {
  eventId: string;
  /** The contract's topic name (the relay puts the topic prefix in front). */
  topic: string;
  key: string;
  type: string;
  /** The envelope's JSON text, sent as it is stored. */
  envelope: string;
  /** The W3C traceparent the event continues; null when tracing is off. */
  traceContext: string | null;
}

/** Validates events (those `createEvent` made are valid already) and gives their outbox rows. */
export function outboxMessages(events: readonly EventEnvelope[]): OutboxMessage[] {
  return events.map((event) => {
    const valid = outgoingEvent(event);
    return {
      eventId: valid.eventId,
      topic: EVENT_CONTRACTS[valid.type].topic,
      key: valid.orderId,
      type: valid.type,
      envelope: JSON.stringify(valid),
      traceContext: traceparentForEvent(event),
    };
  });
}
