import path from 'node:path';
import express, { type Express } from 'express';

/** Where the console's build lands (vite.config.ts): beside the compiled service. */
const CONSOLE_DIR = path.join(__dirname, 'console');

/** The order console (console/: place an order, follow its saga), served at /console/; `/` leads there. */
export function mountConsole(app: Express): void {
  app.use('/console', express.static(CONSOLE_DIR, { maxAge: 0, index: 'index.html' }));
  app.get('/', (_req, res) => res.redirect(302, '/console/'));
}
