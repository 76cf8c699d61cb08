// pg's own conversion of a JavaScript value to a parameter (arrays, dates, JSON, buffers);
// the package exports its lib files for this.
const { prepareValue } = require('pg/lib/utils.js') as { prepareValue(value: unknown): string | Buffer | null };

const NEEDS_ESCAPE = /["\\]/;
const TO_ESCAPE = /["\\]/g;

/** An array element as PostgreSQL's array input reads it: quoted, `"` and `\` escaped. */
function quoted(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(TO_ESCAPE, '\\$&')}"` : `"${text}"`;
}

/**
 * A JavaScript array as a PostgreSQL array literal, character for character what pg writes
 * (its `prepareValue`), in one pass over each element instead of two: the batched statements
 * bind their rows as arrays (`unnest`), so every uuid, text and JSON value of a row goes
 * through here.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) literal += ',';
    const item = values[i];
    if (item === null || item === undefined) literal += 'NULL';
    else if (typeof item === 'string') literal += quoted(item);
    else if (Array.isArray(item)) literal += arrayLiteral(item);
    else if (ArrayBuffer.isView(item)) literal += `\\\\x${Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('hex')}`;
    else literal += quoted(prepareValue(item) as string);
  }
  return `${literal}}`;
}

/** A statement's parameter as pg sends it; arrays through `arrayLiteral`. */
export const parameterOf = (value: unknown): string | Buffer | null => (Array.isArray(value) ? arrayLiteral(value) : prepareValue(value));
