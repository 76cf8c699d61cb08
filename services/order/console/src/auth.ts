/**
 * Signing in to the console: the authorization code flow with PKCE at the identity service
 * (the console is a public client, `console`). The access token lives in this tab's
 * sessionStorage only; it is short-lived, and a 401 signs the tab out.
 */

export interface SignedIn {
  token: string;
  subject: string;
  role: 'customer' | 'operator' | 'unknown';
  expiresAt: number;
}

interface ConsoleSettings {
  issuer: string;
  clientId: string;
}

const TOKEN_KEY = 'orders.console.token';
const PENDING_KEY = 'orders.console.login';

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
const randomText = (size: number) => base64url(crypto.getRandomValues(new Uint8Array(size)));
const redirectUri = () => `${location.origin}${location.pathname}`;

let settings: ConsoleSettings | undefined;
async function consoleSettings(): Promise<ConsoleSettings> {
  settings ??= (await (await fetch('/console/settings.json')).json()) as ConsoleSettings;
  return settings;
}

function decode(token: string): SignedIn | undefined {
  try {
    const claims = JSON.parse(atob(token.split('.')[1]!.replaceAll('-', '+').replaceAll('_', '/'))) as { sub?: string; roles?: string[]; exp?: number };
    const role = claims.roles?.includes('operator') ? 'operator' : claims.roles?.includes('customer') ? 'customer' : 'unknown';
    return { token, subject: claims.sub ?? '', role, expiresAt: (claims.exp ?? 0) * 1000 };
  } catch {
    return undefined;
  }
}

/** Who is signed in in this tab (undefined: nobody, or the token has expired). */
export function signedIn(): SignedIn | undefined {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const who = token ? decode(token) : undefined;
  if (who && who.expiresAt > Date.now()) return who;
  sessionStorage.removeItem(TOKEN_KEY);
  return undefined;
}

export function forget(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Sends the browser to the identity service's sign-in page. */
export async function signIn(): Promise<void> {
  const { issuer, clientId } = await consoleSettings();
  const verifier = randomText(32);
  const state = randomText(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri(),
    scope: 'openid',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  location.assign(url.toString());
}

/** Ends the session at the identity service too, so the next sign-in asks for the password again. */
export async function signOut(): Promise<void> {
  forget();
  const { issuer, clientId } = await consoleSettings();
  const url = new URL(`${issuer}/session/end`);
  url.search = new URLSearchParams({ client_id: clientId, post_logout_redirect_uri: redirectUri() }).toString();
  location.assign(url.toString());
}

/**
 * On the way back from the sign-in page: trades the code for the access token. Returns an
 * error text when the sign-in failed; the address bar loses the code either way.
 */
export async function completeSignIn(): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  history.replaceState(null, '', redirectUri());
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (error) return `sign-in failed: ${params.get('error_description') ?? error}`;
  if (!pending || params.get('state') !== pending.state) return 'sign-in failed: this tab did not start it';
  const { issuer, clientId } = await consoleSettings();
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri(), client_id: clientId, code_verifier: pending.verifier }),
  });
  const answer = (await response.json()) as { access_token?: string; error_description?: string };
  if (!response.ok || !answer.access_token) return `sign-in failed: ${answer.error_description ?? response.status}`;
  sessionStorage.setItem(TOKEN_KEY, answer.access_token);
  return undefined;
}
