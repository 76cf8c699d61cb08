import express, { type Express } from 'express';
import type { Knex } from 'knex';
import type Provider from 'oidc-provider';
import type { Logger } from '@orders/platform';
import { loginPage } from './login-page.js';
import { checkLogin } from './users.js';

/** The paths oidc-provider answers itself (discovery, authorization, token, keys, sign-out...). */
const PROVIDER_PATHS = /^\/(\.well-known\/|auth(\/|$)|token(\/|$)|jwks$|me$|session\/)/;

/**
 * The login pages and the provider's own endpoints, mounted before the JSON-only part of the
 * app: these take HTML forms and form-encoded token requests.
 */
export function mountOidc(app: Express, provider: Provider, db: Knex, logger: Logger): void {
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  app.get('/interaction/:uid', async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name !== 'login') {
        // Consent is never asked of the project's own clients (see loadExistingGrant); anything else ends the login.
        logger.warn({ prompt: details.prompt }, 'prompt');
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: `cannot ${details.prompt.name} here` });
        return;
      }
      const client = await provider.Client.find(String(details.params.client_id));
      res.type('html').send(loginPage(details.uid, client?.clientName ?? String(details.params.client_id)));
    } catch (error) {
      next(error);
    }
  });

  app.post('/interaction/:uid/login', form, async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const client = await provider.Client.find(String(details.params.client_id));
      const user = typeof req.body?.user === 'string' ? req.body.user.trim() : '';
      const password = typeof req.body?.password === 'string' ? req.body.password : '';
      const found = user && password ? await checkLogin(db, user, password) : undefined;
      if (!found) {
        logger.info({ user: user.slice(0, 64) }, 'login refused');
        res.status(401).type('html').send(loginPage(details.uid, client?.clientName ?? '', 'Wrong user or password.', user.slice(0, 64)));
        return;
      }
      logger.info({ user: found.id, role: found.role }, 'signed in');
      await provider.interactionFinished(req, res, { login: { accountId: found.id } }, { mergeWithLastSubmission: false });
    } catch (error) {
      next(error);
    }
  });

  const oidc = provider.callback();
  app.use((req, res, next) => (PROVIDER_PATHS.test(req.path) ? oidc(req, res) : next()));
}
