import path from 'node:path';
import express, { type Express } from 'express';
import { IDENTITY_CONTRACT } from '@orders/contracts';
import type { AuthSettings } from '@orders/runtime';

/** Where the console's build lands (vite.config.ts): beside the compiled service. */
const CONSOLE_DIR = path.join(__dirname, 'console');

/** The order console (console/: place an order, follow its saga), served at /console/; `/` leads there. */
export function mountConsole(app: Express, auth: Pick<AuthSettings, 'issuer'>): void {
  // Where the console signs people in (authorization code with PKCE, as the public client `console`).
  app.get('/console/settings.json', (_req, res) => {
    res.setHeader('cache-control', 'no-store').json({ issuer: auth.issuer, clientId: IDENTITY_CONTRACT.clients.console });
  });
  app.use('/console', express.static(CONSOLE_DIR, { maxAge: 0, index: 'index.html' }));
  app.get('/', (_req, res) => res.redirect(302, '/console/'));
}
