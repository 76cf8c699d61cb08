import { expect } from 'chai';
import { postgresPart, threadGroup } from '../support/cpu-parts.js';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pgWorkPerOrder, type PgWorkReading } from '../support/pg-work.js';
import { WriteMeter } from '../support/proc-io.js';

describe('CPU of PostgreSQL by server process and of the broker by thread group', function () {
  it('names a PostgreSQL process by its title: a backend by its database, a background process by its role', function () {
    const titles: [string, string][] = [
      ['postgres: 15/main: orders_app order_db 127.0.0.1(40112) idle\0', 'backend: order_db'],
      ['postgres: orders_app payment_db 127.0.0.1(40112) idle in transaction', 'backend: payment_db'],
      ['postgres: postgres inventory_db [local] idle', 'backend: inventory_db'],
      ['postgres: 15/main: walwriter ', 'walwriter'],
      ['postgres: background writer ', 'background writer'],
      ['postgres: 15/main: autovacuum worker ', 'autovacuum worker'],
      ['/usr/lib/postgresql/15/bin/postgres\0-D\0/var/lib/postgresql/15/main\0', 'postmaster and ended processes'],
    ];
    expect(titles.map(([title]) => postgresPart(title))).to.deep.equal(titles.map(([, part]) => part));
  });

  it("groups a JVM's threads by name less the number of the thread in its pool", function () {
    const names: [string, string][] = [
      ['data-plane-kafk\n', 'data-plane-kafk'],
      ['kafka-request-h', 'kafka-request-h'],
      ['GC Thread#1', 'GC Thread'],
      ['C2 CompilerThre', 'C2 CompilerThre'],
      ['kafka-scheduler-3', 'kafka-scheduler'],
      ['1234', '1234'],
    ];
    expect(names.map(([comm]) => threadGroup(comm))).to.deep.equal(names.map(([, group]) => group));
  });

  it("gives PostgreSQL's work per order from two readings, busiest table first, unchanged tables left out", function () {
    const reading = (orders: number, outbox: number, idle: number, wal: number): PgWorkReading => ({
      tables: {
        'order.orders': { inserted: orders, updated: orders, deleted: 0 },
        'order.outbox': { inserted: outbox, updated: 0, deleted: outbox },
        'order.knex_migrations': { inserted: idle, updated: 0, deleted: 0 },
      },
      wal: { records: wal, bytes: wal * 100, writes: wal / 10, syncs: wal / 20 },
      commits: orders * 2,
    });
    const w = pgWorkPerOrder(reading(100, 50, 7, 1000), reading(300, 650, 7, 5000), 200);
    expect(w.tables).to.deep.equal([
      { table: 'order.outbox', inserted: 3, updated: 0, deleted: 3 },
      { table: 'order.orders', inserted: 1, updated: 1, deleted: 0 },
    ]);
    expect(w.wal).to.deep.equal({ records: 20, bytes: 2000, writes: 2, syncs: 1 });
    expect(w.commits).to.equal(2);
  });

  it('counts the write calls and bytes of a group of processes between two readings', function () {
    const meter = new WriteMeter({ self: () => [process.pid], gone: () => [2 ** 22 + 1] });
    const file = path.join(os.tmpdir(), `write-meter-${process.pid}`);
    const fd = openSync(file, 'w');
    try {
      meter.begin();
      for (let i = 0; i < 5; i++) writeSync(fd, Buffer.alloc(1000));
      const { self, gone } = meter.end();
      expect(self!.calls).to.be.at.least(5);
      expect(self!.bytes).to.be.at.least(5000);
      expect(gone).to.deep.equal({ calls: 0, bytes: 0 });
    } finally {
      closeSync(fd);
      rmSync(file);
    }
  });
});
