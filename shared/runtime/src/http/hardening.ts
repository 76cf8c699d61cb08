import { isIP } from 'node:net';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { PROBE_PATHS } from '@orders/contracts';
import { errorBody } from './error-body.js';

/**
 * The browser-facing headers of every answer (helmet): a CSP that allows only the service's
 * own scripts, styles, images and connections (no inline script; inline styles for Swagger
 * UI; forms post to itself and `formTargets`; scripts fetch from it and `connectTargets`),
 * no framing (`frame-ancestors 'none'`, X-Frame-Options DENY), nosniff, no referrer.
 * No HSTS and no upgrade-insecure-requests: the services speak plain HTTP on loopback and
 * NodePorts (TLS belongs to whatever fronts them).
 */
export function securityHeaders({ formTargets = [], connectTargets = [] }: { formTargets?: readonly string[]; connectTargets?: readonly string[] } = {}): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'self'"],
        // The console trades its sign-in code for a token at the issuer.
        'connect-src': ["'self'", ...connectTargets],
        'font-src': ["'self'", 'data:'],
        // A login form's answer redirects to the page that asked for it (browsers check the redirects, too).
        'form-action': ["'self'", ...formTargets],
        'frame-ancestors': ["'none'"],
        'img-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
}

/** Paths the kubelet's probes and the metrics scraper ask by pod IP, under any Host, and under any load. */
export const OPERATIONAL = new Set<string>(Object.values(PROBE_PATHS));

/**
 * Refuses a request whose Host names a host the service was not told of (421), so a page of
 * another site whose name was rebound to this address (DNS rebinding) cannot use the API.
 * IP addresses, `localhost` and `*.localhost` are always accepted (a page cannot rebind those);
 * `allowed` adds names; `*` in it accepts any.
 */
export function hostCheck(allowed: readonly string[]): RequestHandler {
  const names = new Set(allowed.map((name) => name.toLowerCase()));
  const any = names.has('*');
  return (req, res, next) => {
    if (any || OPERATIONAL.has(req.path) || isExpectedHost(hostnameOf(req.headers.host), names)) {
      next();
      return;
    }
    res.status(421).json(errorBody('UNEXPECTED_HOST', 'the Host header names a host this service does not answer for'));
  };
}

/** The host part of a Host header, without the port and the brackets of an IPv6 literal. */
export function hostnameOf(header: string | undefined): string {
  if (!header) return '';
  const host = header.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined);
  const colon = host.lastIndexOf(':');
  return colon >= 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

export function isExpectedHost(hostname: string, names: ReadonlySet<string>): boolean {
  if (hostname === '') return false;
  if (isIP(hostname) !== 0) return true;
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  return name === 'localhost' || name.endsWith('.localhost') || names.has(name);
}
