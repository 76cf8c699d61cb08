import type { Knex } from 'knex';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '@orders/platform';
import { API_SCOPE, oidcClients } from './clients.js';
import type { IdentityConfig } from './config.js';
import type { IssuerKeys } from './keys.js';
import { postgresAdapter } from './oidc-adapter.js';
import { findUser } from './users.js';

/** A login and a session are kept this long; the access tokens themselves are short-lived. */
const SESSION_TTL_S = 8 * 3600;
const INTERACTION_TTL_S = 600;
const CODE_TTL_S = 60;

/**
 * The OpenID Connect provider (oidc-provider, a certified implementation): the
 * authorization code flow with PKCE for the console and the command line, access tokens as
 * JWTs signed ES256 for the one resource server (the three APIs) with the user's role in
 * `roles`, and its discovery document and keys. Logins are asked on the pages of
 * `interactions.ts`.
 */
export function createProvider(config: IdentityConfig, keys: IssuerKeys, db: Knex, logger: Logger): Provider {
  const audience = config.auth.audience;
  const configuration: Configuration = {
    adapter: postgresAdapter(db),
    clients: oidcClients(config.consoleUrls),
    // The clients' grant, response types and auth method are theirs (clients.ts); only the ID tokens' signature is common.
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    responseTypes: ['code'],
    jwks: { keys: [{ ...keys.signingKey, alg: 'ES256', use: 'sig' }] },
    cookies: { keys: [keys.cookieKey] },
    pkce: { required: () => true },
    scopes: ['openid'],
    claims: { openid: ['sub'] },
    routes: { jwks: '/jwks' },
    findAccount: async (_ctx, id) => {
      const user = await findUser(db, id);
      return user && { accountId: user.id, claims: () => ({ sub: user.id }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== audience) throw new Error(`unknown resource ${resource}`);
          return {
            scope: API_SCOPE,
            audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: config.accessTokenTtlS,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // The role is read when the token is issued, so a changed role counts from the next token on.
    extraTokenClaims: async (_ctx, token) => {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      const user = accountId ? await findUser(db, accountId) : undefined;
      return user ? { roles: [user.role] } : undefined;
    },
    // First-party clients only: everything they ask for is granted without a consent page.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, provider } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const known = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const found = known ? await provider.Grant.find(known) : undefined;
      if (found) return found;
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid');
      grant.addResourceScope(audience, API_SCOPE);
      await grant.save();
      return grant;
    },
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    ttl: {
      AccessToken: config.accessTokenTtlS,
      AuthorizationCode: CODE_TTL_S,
      IdToken: config.accessTokenTtlS,
      Interaction: INTERACTION_TTL_S,
      Session: SESSION_TTL_S,
      Grant: SESSION_TTL_S,
    },
    renderError: (ctx, out) => {
      ctx.type = 'application/json';
      ctx.body = { error: { code: String(out.error ?? 'server_error').toUpperCase(), message: String(out.error_description ?? 'the login could not be completed') } };
    },
  };
  const provider = new Provider(config.auth.issuer, configuration);
  provider.on('server_error', (_ctx, error) => logger.error({ err: error }, 'identity provider error'));
  provider.on('grant.error', (_ctx, error) => logger.info({ error: error.message }, 'token request refused'));
  return provider;
}

/** The sign-out confirmation page: a plain form, no script (the CSP allows none inline). */
async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head><body><main><h1>Sign out?</h1>${form}<button form="op.logoutForm" value="yes" name="logout">Sign out</button></main></body></html>`;
}
