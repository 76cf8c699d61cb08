import type { RequestHandler } from 'express';
import type { ServiceMetrics } from '@orders/platform';
import { errorBody } from './error-body.js';
import { OPERATIONAL } from './hardening.js';

/** The route label of requests refused at the door (http_requests_refused_total). */
export const ADMISSION_ROUTE = 'admission';

/**
 * Bounds the API requests in flight. Past `maxInFlight`, a request is answered 503
 * SERVICE_BUSY with Retry-After before its token is checked or its body read, so a flood
 * costs one short answer per request instead of memory held for each one waiting. The
 * probes and the metrics scrape are never refused: under a flood the kubelet must still see
 * a live, ready pod.
 */
export function admission(maxInFlight: number, metrics: ServiceMetrics): RequestHandler {
  let inFlight = 0;
  return (req, res, next) => {
    if (OPERATIONAL.has(req.path)) {
      next();
      return;
    }
    if (inFlight >= maxInFlight) {
      metrics.requestsRefused.inc({ route: ADMISSION_ROUTE });
      res.status(503).setHeader('Retry-After', '1').json(errorBody('SERVICE_BUSY', 'too many requests in progress; retry shortly'));
      return;
    }
    inFlight++;
    // 'close' fires once whether the answer was sent or the client went away.
    res.once('close', () => inFlight--);
    next();
  };
}
