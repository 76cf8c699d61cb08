import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { Knex } from 'knex';
import { EVENT_TYPE_HEADER } from '@orders/contracts';
import type { Migration, PruneTarget } from '@orders/db';

/** The service's own record of what it dead-lettered: what an operator lists and replays. */
export const DEAD_LETTERS_TABLE = 'dead_letters';

export const deadLetterMigration: Migration = {
  name: '0004_dead_letters',
  async up(knex) {
    await knex.schema.createTable(DEAD_LETTERS_TABLE, (t) => {
      t.bigIncrements('id');
      t.text('consumer_group').notNullable();
      t.text('topic').notNullable();
      t.integer('partition').notNullable();
      t.bigInteger('offset').notNullable();
      t.binary('key');
      t.binary('value');
      t.jsonb('headers').notNullable();
      t.text('error').notNullable();
      t.timestamp('failed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      t.timestamp('replayed_at', { useTz: true });
      // A message dead-lettered again after a crash (its offset not yet committed) is one row.
      t.unique(['consumer_group', 'topic', 'partition', 'offset']);
    });
  },
  async down(knex) {
    await knex.schema.dropTable(DEAD_LETTERS_TABLE);
  },
};

/**
 * Replayed dead letters past the retention (the inbox's): the events they carried can no
 * longer come again. One never replayed stays until an operator has dealt with it.
 */
export const deadLetterPruning = (retentionMs: number): PruneTarget => ({ table: DEAD_LETTERS_TABLE, timeColumn: 'replayed_at', retentionMs });

/** A dead letter's id: the row's bigserial, as text. */
export const DEAD_LETTER_ID = /^\d{1,18}$/;

/** A dead letter as an operator sees it. */
export interface DeadLetter {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  /** The event's type, id and order, as far as the message says them (a poison message may not). */
  eventType: string | null;
  eventId: string | null;
  orderId: string | null;
  error: string;
  failedAt: string;
  /** Set once a replay applied it (or found it applied already). */
  replayedAt: string | null;
}

interface Row {
  id: string;
  consumer_group: string;
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  error: string;
  failed_at: Date;
  replayed_at: Date | null;
}

const text = (value: IHeaders[string]): string | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? String(value[0]) : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);

/** The envelope's own fields, when the value is JSON that has them. */
function envelopeOf(value: Buffer | null): { id?: unknown; type?: unknown; orderId?: unknown } {
  try {
    const parsed: unknown = value ? JSON.parse(value.toString('utf8')) : null;
    return parsed !== null && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}
const textOrNull = (value: unknown) => (typeof value === 'string' ? value : null);

const toDeadLetter = (row: Row): DeadLetter => {
  const envelope = envelopeOf(row.value);
  return {
    id: String(row.id),
    topic: row.topic,
    partition: row.partition,
    offset: String(row.offset),
    eventType: row.headers[EVENT_TYPE_HEADER] ?? textOrNull(envelope.type),
    eventId: textOrNull(envelope.id),
    orderId: textOrNull(envelope.orderId),
    error: row.error,
    failedAt: row.failed_at.toISOString(),
    replayedAt: row.replayed_at ? row.replayed_at.toISOString() : null,
  };
};

/** The dead letters of one consumer group, in its service's database. */
export class DeadLetterStore {
  constructor(
    private readonly db: Knex,
    private readonly groupId: string,
  ) {}

  /** Keeps a message the group could not apply, with the error (the first time only). */
  async record(source: { topic: string; partition: number }, message: KafkaMessage, error: string): Promise<void> {
    const headers = Object.fromEntries(
      Object.entries(message.headers ?? {}).flatMap(([name, value]) => {
        const v = text(value);
        return v === undefined ? [] : [[name, v]];
      }),
    );
    await this.db(DEAD_LETTERS_TABLE)
      .insert({
        consumer_group: this.groupId,
        topic: source.topic,
        partition: source.partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: JSON.stringify(headers),
        error,
      })
      .onConflict(['consumer_group', 'topic', 'partition', 'offset'])
      .ignore();
  }

  /** Newest first, `limit` of them, older than the one with id `before`; only those not replayed yet, unless `all`. */
  async list(query: { limit: number; before?: string | undefined; all?: boolean }): Promise<DeadLetter[]> {
    const rows = await this.db<Row>(DEAD_LETTERS_TABLE)
      .where({ consumer_group: this.groupId })
      .modify((q) => {
        if (!query.all) q.whereNull('replayed_at');
        if (query.before !== undefined) q.andWhere('id', '<', query.before);
      })
      .orderBy('id', 'desc')
      .limit(query.limit);
    return rows.map(toDeadLetter);
  }

  /** Those not replayed yet, oldest first (at most 10,000): what the command line lists and replays. */
  async pending(): Promise<DeadLetter[]> {
    return (await this.list({ limit: 10_000 })).reverse();
  }

  /** The message as it was consumed, to apply again; undefined when there is no such dead letter. */
  async message(id: string): Promise<{ letter: DeadLetter; topic: string; partition: number; message: KafkaMessage } | undefined> {
    if (!DEAD_LETTER_ID.test(id)) return undefined;
    const row = await this.db<Row>(DEAD_LETTERS_TABLE).where({ consumer_group: this.groupId, id }).first();
    if (!row) return undefined;
    const message = { key: row.key, value: row.value, headers: row.headers, offset: String(row.offset), timestamp: String(row.failed_at.getTime()), attributes: 0 };
    return { letter: toDeadLetter(row), topic: row.topic, partition: row.partition, message: message as unknown as KafkaMessage };
  }

  async markReplayed(id: string): Promise<DeadLetter> {
    const [row] = await this.db<Row>(DEAD_LETTERS_TABLE).where({ consumer_group: this.groupId, id }).update({ replayed_at: new Date() }).returning('*');
    return toDeadLetter(row as Row);
  }
}
