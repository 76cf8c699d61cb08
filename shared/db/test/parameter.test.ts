import { expect } from 'chai';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { arrayLiteral, parameterOf } from '../src/parameter.js';
import { preparedRaw } from '../src/knex.js';
import { createTestDatabase } from '@orders/testing';

// What pg itself writes for a parameter: the reference the fast path must equal.
const pg = require('pg/lib/utils.js') as { prepareValue(value: unknown): string | Buffer | null };

/** Strings heavy in the characters the array syntax cares about, and any others. */
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom('"', '\\', ',', '{', '}', ' ', 'NULL', 'a', 'é', '\n', "'") }),
  fc.string({ unit: 'grapheme' }),
  fc.uuid(),
);
const element = fc.oneof(
  text,
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
  fc.dictionary(text, fc.oneof(text, fc.integer(), fc.constant(null))),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)),
);
const nested = fc.letrec((tie) => ({ array: fc.array(fc.oneof({ depthSize: 'small' }, element, tie('array')), { maxLength: 6 }) })).array;

describe('statement parameters: array literals (pure, and on real PostgreSQL)', function () {
  it('writes every array exactly as pg does (property, 2,000 arrays of mixed and nested values)', function () {
    fc.assert(
      fc.property(nested, (values) => {
        expect(arrayLiteral(values)).to.equal(pg.prepareValue(values));
        expect(parameterOf(values)).to.equal(pg.prepareValue(values));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves every other value to pg', function () {
    const date = new Date('2026-11-28T10:00:00.123Z');
    for (const value of ['text', 7, true, null, undefined, date, { a: '"x"' }, Buffer.from('ab')]) {
      expect(parameterOf(value), String(value)).to.deep.equal(pg.prepareValue(value));
    }
  });

  describe('PostgreSQL reads them back unchanged', function () {
    let db: Knex;
    let drop: () => Promise<void>;
    before(async function () {
      ({ db, drop } = await createTestDatabase([]));
    });
    after(async () => drop?.());

    it('text[] and jsonb[] with quotes, backslashes, braces, commas and NULL (through preparedRaw)', async function () {
      const texts = ['plain', 'with "quotes"', 'back\\slash', '{braces}', 'a,b', 'NULL', '', null, 'é\n\t'];
      const json = [{ s: 'he said "hi" \\ bye' }, null, { n: 1, list: ['{', '}'] }].map((j) => (j === null ? null : JSON.stringify(j)));
      const { rows } = await preparedRaw<{ rows: { t: (string | null)[]; j: unknown[] }[] }>(db, 'select ?::text[] as t, ?::jsonb[] as j', [texts, json]);
      expect(rows[0]!.t).to.deep.equal(texts);
      expect(rows[0]!.j).to.deep.equal(json.map((j) => (j === null ? null : JSON.parse(j))));
    });
  });
});
