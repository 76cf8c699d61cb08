import type { EventPayload, EventType } from '@orders/contracts';
import { followUpEvent, type EventEnvelope, type SagaEvent } from '../events/envelope.js';
import type { EventLogs } from '../event-logs.js';

/** An event a domain decided to send, caused by another (same order, same correlation). */
export interface Emit<T extends EventType = EventType> {
  cause: SagaEvent;
  type: T;
  payload: EventPayload<T>;
}

/** A step worth a log line, with the event it is about. */
export interface Note {
  event: SagaEvent;
  level: 'info' | 'warn';
  message: string;
  fields?: Record<string, unknown>;
}

/**
 * What a pure saga domain decides while it plays a run of events, besides its own state:
 * the events to send and the log lines to write. The consumer turns them into outbox
 * events and logs once the domain is done (`envelopes`, `writeNotes`).
 */
export class RunRecord<T extends EventType = EventType> {
  readonly emits: Emit<T>[] = [];
  readonly notes: Note[] = [];

  emit<U extends T>(cause: SagaEvent, type: U, payload: EventPayload<U>): void {
    this.emits.push({ cause, type, payload } as unknown as Emit<T>);
  }

  note(event: SagaEvent, message: string, fields?: Record<string, unknown>, level: Note['level'] = 'info'): void {
    this.notes.push({ event, level, message, ...(fields ? { fields } : {}) });
  }

  /** The events to send, as validated envelopes. */
  envelopes(): EventEnvelope[] {
    return this.emits.map((e) => followUpEvent(e.cause, e.type, e.payload as EventPayload<EventType>));
  }

  writeNotes(logs: EventLogs): void {
    for (const n of this.notes) logs.write(n.event, n.level, n.fields ?? {}, n.message);
  }
}
