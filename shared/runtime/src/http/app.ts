import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { settlesWithin } from '@orders/platform';
import { admission } from './admission.js';
import { mountApiDocs } from './api-docs.js';
import { errorBody } from './error-body.js';
import { authenticate, type TokenVerifier } from './auth.js';
import { hostCheck, securityHeaders } from './hardening.js';
import { inputErrorOf, QueueFullError } from '@orders/db';
import { isTransientError } from '@orders/db';
import { AppError } from '@orders/platform';
import type { Logger } from '@orders/platform';
import type { ServiceMetrics } from '@orders/platform';

export type ReadinessCheck = () => Promise<void>;

export interface HttpAppOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  bodyLimit: string;
  /** API requests served at once; past it 503 SERVICE_BUSY before the token or body is read. */
  maxInFlight: number;
  /** Host names it answers for besides IP addresses and localhost (DNS rebinding); `*`: any. */
  allowedHosts: readonly string[];
  /** What each check constraint of its tables guards, in the domain's words (a 409's message). */
  limits?: Readonly<Record<string, string>>;
  /** Named checks behind /readyz (e.g. database, kafka); all must pass. */
  readiness: Record<string, ReadinessCheck>;
  openapi: object;
  /** Origins besides its own that its forms may lead to (the identity service's login). */
  formTargets?: readonly string[];
  /** Origins besides its own that its pages' scripts may fetch from (the issuer, for the console's sign-in). */
  connectTargets?: readonly string[];
  /** Routes that take other bodies than JSON (the identity service's login and token endpoints). */
  mountBeforeJson?: (app: Express) => void;
  /** Checks the access tokens requests carry (routes decide who may do what). */
  tokens: TokenVerifier;
  routes: (app: Express) => void;
  /** False once shutdown has begun: /readyz answers 503 so traffic drains. */
  isAccepting?: () => boolean;
}

const READINESS_TIMEOUT_MS = 2000;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The Express app every service serves: JSON only, bounded bodies, one error shape
 * (`{"error":{"code","message","details"?}}`, never a stack trace), requests for other
 * hosts refused, the browser's security headers on every answer, and the operational
 * endpoints /healthz, /readyz, /metrics, /openapi.json and /docs (Swagger UI).
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(observe(logger, metrics));
  app.use(admission(options.maxInFlight, metrics));
  app.use(hostCheck(options.allowedHosts));
  app.use(securityHeaders({ formTargets: options.formTargets, connectTargets: options.connectTargets }));
  options.mountBeforeJson?.(app);
  // Before the body is read: a bad token costs no parsing.
  app.use(authenticate(options.tokens));
  app.use(requireJson);
  app.use(express.json({ limit: options.bodyLimit, strict: true, type: () => true }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (options.isAccepting && !options.isAccepting()) {
      res.status(503).json(errorBody('SHUTTING_DOWN', 'the service is shutting down'));
      return;
    }
    const checks = await runChecks(options.readiness, logger);
    const failed = Object.entries(checks).filter(([, status]) => status !== 'ok');
    if (failed.length === 0) res.json({ status: 'ready', checks });
    else res.status(503).json(errorBody('NOT_READY', `not ready: ${failed.map(([n]) => n).join(', ')}`, checks));
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(options.openapi);
  });
  mountApiDocs(app, (options.openapi as { info?: { title?: string } }).info?.title ?? 'service');

  options.routes(app);

  app.use((req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', `no route for ${req.method} ${req.path}`));
  });
  app.use(errorHandler(logger, metrics, options.limits ?? {}));
  return app;
}

/**
 * Runs every check; the answer names each as `ok` or `failing`. The error text (host names,
 * authentication messages) goes only to the log.
 */
async function runChecks(checks: Record<string, ReadinessCheck>, logger: Logger): Promise<Record<string, 'ok' | 'failing'>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        if (!(await settlesWithin(check(), READINESS_TIMEOUT_MS))) throw new Error(`timed out after ${READINESS_TIMEOUT_MS} ms`);
        return [name, 'ok'] as const;
      } catch (error) {
        logger.warn({ check: name, err: error }, 'readiness check failed');
        return [name, 'failing'] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** Bodies must be JSON; requests without a body pass (e.g. POST /orders/{id}/cancel). */
const requireJson: RequestHandler = (req, res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (BODY_METHODS.has(req.method) && hasBody && !req.is('application/json')) {
    res.status(415).json(errorBody('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be application/json'));
    return;
  }
  next();
};

function observe(logger: Logger, metrics: ServiceMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : res.statusCode === 404 ? 'unmatched' : req.path;
      metrics.httpRequests.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      const line = { method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(seconds * 1000) };
      if (res.statusCode >= 500) logger.error(line, 'request failed');
      else logger.debug(line, 'request');
    });
    next();
  };
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  expose?: boolean;
}

const BODY_PARSER_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'MALFORMED_JSON', 'request body is not valid JSON'],
  'entity.too.large': [413, 'PAYLOAD_TOO_LARGE', 'request body is too large'],
  'entity.verify.failed': [400, 'INVALID_BODY', 'request body was rejected'],
  'request.aborted': [400, 'REQUEST_ABORTED', 'request was aborted'],
  'request.size.invalid': [400, 'INVALID_BODY', 'request size did not match content-length'],
  'charset.unsupported': [415, 'UNSUPPORTED_CHARSET', 'request charset is not supported'],
  'encoding.unsupported': [415, 'UNSUPPORTED_ENCODING', 'request content-encoding is not supported'],
  'stream.encoding.set': [500, 'INTERNAL_ERROR', 'internal error'],
};

function errorHandler(logger: Logger, metrics: ServiceMetrics, limits: Readonly<Record<string, string>>): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof AppError) {
      // RFC 6750: a 401 names the scheme that would have been accepted.
      if (error.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="orders"');
      res.status(error.status).json(errorBody(error.code, error.message, error.details));
      return;
    }
    const known = error instanceof Error ? BODY_PARSER_ERRORS[(error as BodyParserError).type ?? ''] : undefined;
    if (known) {
      const [status, code, message] = known;
      res.status(status).json(errorBody(code, message));
      return;
    }
    if (error instanceof URIError) {
      res.status(400).json(errorBody('BAD_REQUEST', 'request path is not valid percent-encoding'));
      return;
    }
    const clientError = error as BodyParserError;
    if (typeof clientError?.status === 'number' && clientError.status >= 400 && clientError.status < 500) {
      res.status(clientError.status).json(errorBody('BAD_REQUEST', clientError.expose ? clientError.message : 'bad request'));
      return;
    }
    const input = inputErrorOf(error, limits);
    if (input) {
      res.status(input.status).json(errorBody(input.code, input.message));
      return;
    }
    if (error instanceof QueueFullError) {
      // Back-pressure: nothing was done; the client may come back in a second.
      metrics.requestsRefused.inc({ route: req.route?.path ? `${req.baseUrl}${req.route.path}` : req.path });
      res.status(503).setHeader('Retry-After', '1').json(errorBody('SERVICE_BUSY', 'too many requests wait; retry shortly'));
      return;
    }
    if (isTransientError(error)) {
      // The database or broker is down or restarting: nothing was done; the client may retry.
      logger.warn({ err: error, method: req.method, url: req.originalUrl }, 'dependency unavailable');
      res.status(503).setHeader('Retry-After', '1').json(errorBody('SERVICE_UNAVAILABLE', 'a dependency is unavailable; retry shortly'));
      return;
    }
    logger.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
    res.status(500).json(errorBody('INTERNAL_ERROR', 'internal error'));
  };
}
