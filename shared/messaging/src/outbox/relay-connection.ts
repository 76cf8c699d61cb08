import { Client } from 'pg';
import type { DbSettings } from '@orders/db';
import { pgConnection, statementName } from '@orders/db';
import { OUTBOX_CHANNEL, OUTBOX_TABLE } from './outbox-table.js';
import type { OutboxMessage } from './outbox-rows.js';

interface OutboxRow {
  id: string;
  event_id: string;
  topic: string;
  message_key: string;
  event_type: string;
  /** The JSON text, sent as it is stored. */
  envelope: string;
  trace_context: string | null;
}

const prepared = (text: string) => ({ name: statementName(text), text });
const DELETE_PUBLISHED = prepared(`delete from ${OUTBOX_TABLE} where event_id = any($1::uuid[])`);
/** Deletes the rows published since the last delete and reads the next batch, in one round trip. */
const NEXT_BATCH = prepared(
  `with published as (${DELETE_PUBLISHED.text})
   select id, event_id, topic, message_key, event_type, envelope::text as envelope, trace_context from ${OUTBOX_TABLE}
   where event_id <> all($1::uuid[]) order by id limit $2`,
);

const messageOf = (row: OutboxRow): OutboxMessage => ({
  eventId: row.event_id,
  topic: row.topic,
  key: row.message_key,
  type: row.event_type,
  envelope: row.envelope,
  traceContext: row.trace_context,
});

/**
 * The relay's one dedicated connection: it LISTENs for commits, holds the session advisory
 * lock that makes its relay the leader, and reads and deletes outbox rows. A relay that
 * loses it also loses the lock.
 */
export class RelayConnection {
  private constructor(private readonly client: Client) {}

  /** Connects and LISTENs; `onCommit` runs for every NOTIFY, `onEnd` when the connection ends. */
  static async open(db: DbSettings, name: string, onCommit: () => void, onEnd: () => void): Promise<RelayConnection> {
    const client = new Client(pgConnection(db, `${name}-relay`));
    client.on('error', () => undefined); // surfaced by the next query; the relay reconnects
    client.on('notification', onCommit);
    client.on('end', onEnd);
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    return new RelayConnection(client);
  }

  /** Takes the lock of `lockName` if no other session holds it: true when this connection leads. */
  async tryLead(lockName: string): Promise<boolean> {
    const { rows } = await this.client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [
      `outbox-relay:${lockName}`,
    ]);
    return rows[0]?.locked === true;
  }

  /** Deletes the rows of `published` and reads up to `limit` of the rest, in id order. */
  async nextBatch(published: readonly string[], limit: number): Promise<OutboxMessage[]> {
    const { rows } = await this.client.query<OutboxRow>({ ...NEXT_BATCH, values: [published, limit] });
    return rows.map(messageOf);
  }

  async deletePublished(published: readonly string[]): Promise<void> {
    await this.client.query({ ...DELETE_PUBLISHED, values: [published] });
  }

  /** Deletes what was published (best effort: rows left are published again; consumers drop them), then closes, releasing the lock. */
  async close(published: readonly string[]): Promise<boolean> {
    let deleted = published.length === 0;
    if (!deleted) {
      deleted = await this.deletePublished(published).then(
        () => true,
        () => false,
      );
    }
    await this.client.end().catch(() => undefined);
    return deleted;
  }

  /** Closes at once, whatever is in flight (stop when the batch does not finish in time). */
  async abort(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
