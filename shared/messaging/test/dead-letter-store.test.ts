import { expect } from 'chai';
import type { KafkaMessage } from 'kafkajs';
import { type Knex } from 'knex';
import { Pruner } from '@orders/db';
import { createTestDatabase, silentLogger } from '@orders/testing';
import { DEAD_LETTERS_TABLE, deadLetterPruning, DeadLetterStore } from '../src/kafka/dead-letter-store.js';
import { sharedMigrations } from '../src/messaging-migrations.js';

describe('dead letters kept for an operator (real PostgreSQL)', function () {
  let db: Knex;
  let drop: () => Promise<void>;
  before(async function () {
    ({ db, drop } = await createTestDatabase(sharedMigrations));
  });
  after(async function () {
    await drop?.();
  });

  const message = (offset: number, value: string): KafkaMessage =>
    ({ key: Buffer.from('k'), value: Buffer.from(value), headers: { 'event-type': Buffer.from('OrderCancelled') }, offset: String(offset), timestamp: '0', attributes: 0 }) as unknown as KafkaMessage;

  it('keeps each message once per group, lists the newest first with what it names, and prunes only replayed ones past the retention', async function () {
    const store = new DeadLetterStore(db, 'group-a');
    await store.record({ topic: 'order-events', partition: 0 }, message(1, '{"id":"e1","type":"OrderCancelled","orderId":"o1"}'), 'boom');
    await store.record({ topic: 'order-events', partition: 0 }, message(1, '{"id":"e1"}'), 'boom again'); // dead-lettered again after a crash
    await store.record({ topic: 'order-events', partition: 0 }, message(2, 'not json'), 'invalid');
    await new DeadLetterStore(db, 'group-b').record({ topic: 'order-events', partition: 0 }, message(3, '{}'), 'other group');
    const listed = await store.list({ limit: 10 });
    expect(listed.map((l) => [l.offset, l.eventType, l.eventId, l.orderId, l.error])).to.deep.equal([
      ['2', 'OrderCancelled', null, null, 'invalid'],
      ['1', 'OrderCancelled', 'e1', 'o1', 'boom'],
    ]);
    expect((await store.list({ limit: 1, before: listed[0]!.id })).map((l) => l.offset)).to.deep.equal(['1']);

    const retentionMs = 60_000;
    await store.markReplayed(listed[1]!.id);
    await db(DEAD_LETTERS_TABLE).where({ id: listed[1]!.id }).update({ replayed_at: new Date(Date.now() - 2 * retentionMs) });
    await db(DEAD_LETTERS_TABLE).update({ failed_at: new Date(Date.now() - 2 * retentionMs) });
    const pruned = await new Pruner(db, silentLogger, [deadLetterPruning(retentionMs)], 60_000).prune();
    expect(pruned).to.deep.equal({ [DEAD_LETTERS_TABLE]: 1 });
    expect((await store.list({ limit: 10, all: true })).map((l) => l.offset), 'the one never replayed stays, however old').to.deep.equal(['2']);
  });
});
