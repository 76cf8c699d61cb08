import type { KafkaMessage } from 'kafkajs';
import { EVENT_CONTRACTS, EVENT_TYPE_HEADER, type EventType } from '@orders/contracts';
import { decodeEvent, type SagaEvent } from '../events/envelope.js';

/**
 * The event in a message, validated against its topic's contracts, or null for a type this
 * consumer does not handle. A known type of the topic that is not handled is told by the
 * message's `event-type` header and never parsed; anything else is decoded and validated,
 * so an unknown type or a malformed message throws `InvalidEventError` (it goes to the DLQ).
 */
export function eventDecoder(handledTypes: readonly EventType[], topicPrefix: string) {
  const handled = new Set<string>(handledTypes);
  return (topic: string, message: KafkaMessage): SagaEvent | null => {
    const contractTopic = topic.slice(topicPrefix.length);
    const type = message.headers?.[EVENT_TYPE_HEADER]?.toString() as EventType | undefined;
    if (type && !handled.has(type) && EVENT_CONTRACTS[type]?.topic === contractTopic) return null;
    const event = decodeEvent(message.value, contractTopic);
    return handled.has(event.type) ? event : null;
  };
}
