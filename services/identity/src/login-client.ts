import { createHash, randomBytes } from 'node:crypto';
import { API_SCOPE, CLI_REDIRECT_URI, CLIENT_IDS } from './clients.js';

export interface AccessToken {
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export class LoginError extends Error {
  override name = 'LoginError';
}

/**
 * Signs in at the issuer as a browser would — the authorization code flow with PKCE of the
 * `cli` client, the user's name and password posted to the sign-in form — and returns the
 * access token. Used by `main.js token` (and so `scripts/local.sh token`), the benchmark,
 * the chaos run and the tests: every caller gets its token the way a person does.
 */
export async function loginWithPassword(issuer: string, user: string, password: string): Promise<AccessToken> {
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(pair!.slice(0, eq));
      else cookies.set(pair!.slice(0, eq), value);
    }
    return response;
  };
  const absolute = (location: string | null) => {
    if (!location) throw new LoginError('the issuer did not redirect');
    return new URL(location, issuer).toString();
  };

  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: CLIENT_IDS.cli,
    response_type: 'code',
    redirect_uri: CLI_REDIRECT_URI,
    scope: `openid ${API_SCOPE}`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
  }).toString();

  // The authorization endpoint sends the browser to the sign-in page, the form back to the
  // authorization endpoint, and that to the client's redirect, which carries the code.
  let next = authorize.toString();
  let signedIn = false;
  for (let hops = 0; !next.startsWith(CLI_REDIRECT_URI); hops += 1) {
    if (hops === 6) throw new LoginError(`the login did not come back to the client (at ${next})`);
    const atLoginPage: boolean = !signedIn && /^\/interaction\/[^/]+$/.test(new URL(next).pathname);
    const answer = atLoginPage
      ? await send(`${next}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ user, password }).toString(),
        })
      : await send(next);
    await answer.arrayBuffer();
    if (atLoginPage && answer.status === 401) throw new LoginError(`wrong user or password for ${JSON.stringify(user)}`);
    signedIn ||= atLoginPage;
    next = absolute(answer.headers.get('location'));
  }
  const back = new URL(next).searchParams;
  if (back.get('error')) throw new LoginError(`the issuer refused: ${back.get('error')} ${back.get('error_description') ?? ''}`.trim());
  if (back.get('state') !== state) throw new LoginError('the state came back changed');

  const exchanged = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: back.get('code') ?? '',
      redirect_uri: CLI_REDIRECT_URI,
      client_id: CLIENT_IDS.cli,
      code_verifier: verifier,
    }).toString(),
  });
  const tokens = (await exchanged.json()) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
  if (!exchanged.ok || !tokens.access_token) throw new LoginError(`the token request was refused: ${tokens.error ?? exchanged.status} ${tokens.error_description ?? ''}`.trim());
  return { token: tokens.access_token, expiresAt: Date.now() + (tokens.expires_in ?? 0) * 1000 };
}
