import { z } from 'zod';
import { IDENTITY_CONTRACT } from '@orders/contracts';
import { setting, type SettingsOf, type SettingsTree } from '@orders/platform';

const httpUrl = () =>
  z
    .string()
    .trim()
    .url('must be a URL')
    .refine((value) => /^https?:\/\//.test(value), 'must be an http or https URL')
    .transform((value) => value.replace(/\/+$/, ''));

/**
 * Who signs the access tokens the APIs accept. The issuer reads the same two variables, so
 * what it signs and what the services check cannot drift apart.
 */
export const authSettings = {
  issuer: setting(
    'AUTH_ISSUER',
    httpUrl(),
    `http://127.0.0.1:${IDENTITY_CONTRACT.httpPort}`,
    'the OpenID Connect issuer (the identity service) as callers reach it: its URL is the `iss` of every token and the base of its discovery document',
  ),
  audience: setting(
    'AUTH_AUDIENCE',
    z.string().trim().regex(/^[a-z][a-z0-9+.-]*:[^#\s]+$/i, 'must be an absolute URI (a resource indicator)'),
    'urn:orders:api',
    'the `aud` every access token names (a resource indicator): the three APIs are one resource server',
  ),
  jwksUrl: setting(
    'AUTH_JWKS_URL',
    z.union([z.literal(''), httpUrl()]),
    '',
    "where the services fetch the issuer's public keys (empty: `<AUTH_ISSUER>/jwks`); on a cluster the issuer's in-cluster address",
  ),
} satisfies SettingsTree;

export type AuthSettings = SettingsOf<typeof authSettings>;

export const jwksUrlOf = (auth: AuthSettings): string => auth.jwksUrl || `${auth.issuer}/jwks`;
