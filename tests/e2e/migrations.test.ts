import { expect } from 'chai';
import { migrateLatest, migrateRollbackAll, type Migration } from '@orders/db';
import { createTestDatabase } from '@orders/testing';
import { orderMigrations } from '@orders/order-service/migrations';
import { paymentMigrations } from '@orders/payment-service/migrations';
import { inventoryMigrations } from '@orders/inventory-service/migrations';

const SERVICES: [string, readonly Migration[], string[]][] = [
  ['order', orderMigrations, ['orders', 'idempotency_keys', 'order_timeline', 'outbox', 'processed_messages', 'dead_letters']],
  ['payment', paymentMigrations, ['accounts', 'payments', 'cancelled_orders', 'outbox', 'processed_messages', 'dead_letters']],
  ['inventory', inventoryMigrations, ['products', 'reservations', 'outbox', 'processed_messages', 'dead_letters']],
];

describe('knex migrations up and down (real PostgreSQL)', function () {
  for (const [service, migrations, tables] of SERVICES) {
    it(`${service}: latest, rollback to nothing, latest again`, async function () {
      const { db, drop } = await createTestDatabase([]);
      const tablesNow = async () =>
        (await db.raw<{ rows: { tablename: string }[] }>(`select tablename from pg_tables where schemaname = 'public'`)).rows
          .map((r) => r.tablename)
          .filter((t) => !t.startsWith('knex_'));
      try {
        expect(await migrateLatest(db, migrations)).to.have.length(migrations.length);
        expect(await tablesNow()).to.have.members(tables);
        expect(await migrateLatest(db, migrations)).to.deep.equal([]);
        expect(await migrateRollbackAll(db, migrations)).to.have.length(migrations.length);
        expect(await tablesNow()).to.deep.equal([]);
        await migrateLatest(db, migrations);
        expect(await tablesNow()).to.have.members(tables);
      } finally {
        await drop();
      }
    });
  }
});
