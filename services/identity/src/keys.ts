import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import type { Knex } from 'knex';

/** What the issuer signs with: its private key (a P-256 JWK) and the key of its cookies. */
export interface IssuerKeys {
  signingKey: JsonWebKey & { kty: 'EC'; crv: 'P-256'; d: string };
  cookieKey: string;
}

const SIGNING_KEY = 'signing-key';
const COOKIE_KEY = 'cookie-key';

/**
 * Makes the issuer's keys once, in its own database (as identity servers do): nothing to
 * generate or hand over in the deployment, and every replica and restart signs with the
 * same key. Run by `migrate`; a key that exists is never replaced.
 */
export async function ensureIssuerKeys(db: Knex): Promise<'created' | 'kept'> {
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const inserted = await db('issuer_keys')
    .insert([
      { name: SIGNING_KEY, value: JSON.stringify(signingKey) },
      { name: COOKIE_KEY, value: randomBytes(32).toString('base64url') },
    ])
    .onConflict('name')
    .ignore()
    .returning('name');
  return inserted.length > 0 ? 'created' : 'kept';
}

export async function readIssuerKeys(db: Knex): Promise<IssuerKeys> {
  const rows = (await db('issuer_keys').select('name', 'value')) as { name: string; value: string }[];
  const value = (name: string) => {
    const row = rows.find((r) => r.name === name);
    if (!row) throw new Error(`the issuer has no ${name}: run \`main.js migrate\` first`);
    return row.value;
  };
  return { signingKey: JSON.parse(value(SIGNING_KEY)) as IssuerKeys['signingKey'], cookieKey: value(COOKIE_KEY) };
}
