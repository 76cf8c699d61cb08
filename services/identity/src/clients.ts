import type { ClientMetadata } from 'oidc-provider';
import { IDENTITY_CONTRACT } from '@orders/contracts';

/**
 * The applications that may ask for tokens. Both are public clients (they hold no secret)
 * and must use PKCE; both are the project's own, so a login grants what they ask without a
 * consent page.
 */
export const CLIENT_IDS = IDENTITY_CONTRACT.clients;

/** Where the command-line login is sent back: a loopback address it never listens on (it reads the code from the redirect). */
export const CLI_REDIRECT_URI = 'http://127.0.0.1/callback';

/** The scope of the three APIs, the one resource server. */
export const API_SCOPE = 'orders';


export function oidcClients(consoleUrls: readonly string[]): ClientMetadata[] {
  const common = { token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] } satisfies Partial<ClientMetadata>;
  return [
    { ...common, client_id: CLIENT_IDS.console, client_name: 'Order console', redirect_uris: [...consoleUrls], post_logout_redirect_uris: [...consoleUrls] },
    { ...common, client_id: CLIENT_IDS.cli, client_name: 'Command line', redirect_uris: [CLI_REDIRECT_URI] },
  ];
}
