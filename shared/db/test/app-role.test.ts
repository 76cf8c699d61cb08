import { createHash, createHmac } from 'node:crypto';
import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { ensureAppRole, scramVerifier } from '../src/app-role.js';
import { adminDb, createTestDatabase, testDbServer } from '@orders/testing';

describe('application role: SCRAM verifier (pure)', function () {
  it('matches the worked example of RFC 7677: the server would accept the client proof and the client the server signature', function () {
    // RFC 7677 section 3: user "user", password "pencil".
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const verifier = scramVerifier('pencil', salt, 4096);
    const [, iterations, saltText, storedKeyText, serverKeyText] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier)!;
    expect(iterations).to.equal('4096');
    expect(saltText).to.equal('W22ZaJ0SNY7soEsUEjb6gQ==');
    const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=${saltText},i=4096,c=biws,r=${nonce}`;
    const storedKey = Buffer.from(storedKeyText!, 'base64');
    const clientSignature = createHmac('sha256', storedKey).update(authMessage).digest();
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]!));
    expect(createHash('sha256').update(clientKey).digest().equals(storedKey), 'client proof verifies').to.equal(true);
    const serverSignature = createHmac('sha256', Buffer.from(serverKeyText!, 'base64')).update(authMessage).digest('base64');
    expect(serverSignature).to.equal('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });

  it('salts each verifier anew', function () {
    expect(scramVerifier('same')).to.not.equal(scramVerifier('same'));
  });
});

describe('application role (real PostgreSQL)', function () {
  const role = `orders_test_role_${process.pid}`;
  let owner: Knex;
  let asApp: Knex;
  let drop: () => Promise<void>;
  let database: string;

  const code = (work: Promise<unknown>) =>
    work.then(
      () => 'ok',
      (error: { code?: string }) => error.code,
    );
  const storedPassword = async () => {
    const admin = adminDb();
    try {
      return (await admin.raw<{ rows: { rolpassword: string | null }[] }>('select rolpassword from pg_authid where rolname = ?', [role])).rows[0]!.rolpassword;
    } finally {
      await admin.destroy();
    }
  };

  before(async function () {
    const created = await createTestDatabase();
    owner = created.db;
    drop = created.drop;
    database = created.settings.database;
    await owner.schema.createTable('things', (t) => {
      t.increments('id');
      t.text('name');
    });
    await ensureAppRole(owner, { user: role, password: 'first-Pw' }, database);
    asApp = knexFactory({ client: 'pg', connection: { ...testDbServer, user: role, password: 'first-Pw', database }, pool: { min: 0, max: 1 } });
  });

  after(async function () {
    await asApp?.destroy();
    await drop?.();
    const admin = adminDb();
    await admin.raw(`drop role if exists ${role}`);
    await admin.destroy();
  });

  it('may read and write rows, sequences included', async function () {
    const [row] = await asApp('things').insert({ name: 'a' }).returning('id');
    expect(await code(asApp('things').update({ name: 'b' }).where({ id: row!.id }))).to.equal('ok');
    expect(await asApp('things').select('name')).to.deep.equal([{ name: 'b' }]);
    expect(await code(asApp('things').delete())).to.equal('ok');
  });

  it('may not change the schema, nor the record of migrations (insufficient_privilege or not the owner)', async function () {
    expect(await code(asApp.raw('create table evil (id int)'))).to.equal('42501');
    expect(await code(asApp.raw('drop table things'))).to.equal('42501');
    expect(await code(asApp.raw('alter table things add column x int'))).to.equal('42501');
    expect(await code(asApp.raw('truncate things'))).to.equal('42501');
    expect(await code(asApp.raw("insert into knex_migrations (name, batch, migration_time) values ('x', 9, now())"))).to.equal('42501');
    expect(await code(asApp.raw('create role other'))).to.equal('42501');
  });

  it('stores only a SCRAM verifier, and a new password replaces it on the next run (the rotation path)', async function () {
    const first = await storedPassword();
    expect(first).to.match(/^SCRAM-SHA-256\$4096:/);
    await ensureAppRole(owner, { user: role, password: 'second-Pw' }, database);
    const second = await storedPassword();
    expect(second).to.match(/^SCRAM-SHA-256\$4096:/).and.not.equal(first);
    // PostgreSQL kept our verifier as it is, so it parsed it as one: the same salt gives the same text.
    const salt = Buffer.from(/^SCRAM-SHA-256\$4096:([^$]+)\$/.exec(second!)![1]!, 'base64');
    expect(scramVerifier('second-Pw', salt)).to.equal(second);
    await ensureAppRole(owner, { user: role, password: '' }, database);
    expect(await storedPassword(), 'no password: no password login').to.equal(null);
  });
});
