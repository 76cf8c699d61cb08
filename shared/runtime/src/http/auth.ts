import type { Request, RequestHandler } from 'express';
import { createRemoteJWKSet, errors, importJWK, jwtVerify, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '@orders/platform';
import { isCustomer, mayActFor, ROLES, type Principal, type Role } from '../access.js';
import { jwksUrlOf, type AuthSettings } from '../auth-settings.js';

/** The issuer's keys are fetched again at most this often when a token names an unknown key. */
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_TIMEOUT_MS = 2_000;
/** Clocks of the issuer and the services may differ this much. */
const CLOCK_TOLERANCE_S = 5;
/** Tokens remembered as checked; past this many the oldest are forgotten first. */
export const VERIFIED_TOKENS_MAX = 10_000;

export const unauthenticated = (message: string) => new AppError(401, 'UNAUTHENTICATED', message);
export const forbidden = (message: string) => new AppError(403, 'FORBIDDEN', message);

/**
 * Checks access tokens: signed by the issuer's current key (ES256), this issuer, this
 * audience, not expired, a JWT access token (`typ: at+jwt`) with one known role.
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;
  /**
   * Tokens already checked, with whom they name and when they expire. A client sends the
   * same token with every request for its lifetime, and the signature check (ES256) was
   * the largest cost of a request; the same bytes check the same way until they expire,
   * which is checked on every use.
   */
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(
    private readonly settings: Pick<AuthSettings, 'issuer' | 'audience'> & Partial<AuthSettings>,
    keys?: JWTVerifyGetKey,
    private readonly remember = VERIFIED_TOKENS_MAX,
  ) {
    this.keys =
      keys ??
      createRemoteJWKSet(new URL(jwksUrlOf({ jwksUrl: '', ...settings })), { cooldownDuration: JWKS_COOLDOWN_MS, timeoutDuration: JWKS_TIMEOUT_MS });
  }

  /** The issuer's own check of its tokens: with its public key in hand, nothing to fetch. */
  static withKey(settings: Pick<AuthSettings, 'issuer' | 'audience'>, publicKey: JWK): TokenVerifier {
    const key = importJWK(publicKey, 'ES256');
    return new TokenVerifier(settings, () => key);
  }

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return known.principal;
      this.verified.delete(token);
      throw unauthenticated('the access token has expired');
    }
    const { principal, expiresAtMs } = await this.check(token);
    if (this.verified.size >= this.remember) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { principal, expiresAtMs });
    return principal;
  }

  private async check(token: string): Promise<{ principal: Principal; expiresAtMs: number }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      // The issuer cannot be asked for its keys: nothing is known about the token yet.
      if (error instanceof errors.JWKSTimeout || (error instanceof TypeError && !(error instanceof errors.JOSEError))) {
        throw new AppError(503, 'SERVICE_UNAVAILABLE', 'the identity service cannot be reached to check the token; retry shortly');
      }
      if (error instanceof errors.JWTExpired) throw unauthenticated('the access token has expired');
      throw unauthenticated('the access token is not valid here');
    }
    const role = Array.isArray(payload.roles) ? payload.roles.find((r): r is Role => ROLES.includes(r as Role)) : undefined;
    if (!role) throw unauthenticated('the access token carries no known role');
    // jose accepted it up to the same tolerance past `exp`.
    return { principal: { subject: payload.sub!, role }, expiresAtMs: (payload.exp! + CLOCK_TOLERANCE_S) * 1000 };
  }
}

const PRINCIPAL = Symbol('principal');
type Authenticated = Request & { [PRINCIPAL]?: Principal };

/**
 * Reads `Authorization: Bearer <token>` where there is one; a request without stays
 * anonymous (the routes decide whether that is enough), a bad token is a 401 at once.
 */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      next();
      return;
    }
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim());
    if (!match) {
      next(unauthenticated('the Authorization header must be "Bearer <access token>"'));
      return;
    }
    verifier.verify(match[1]!).then(
      (principal) => {
        (req as Authenticated)[PRINCIPAL] = principal;
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

/** The caller, who must have sent a valid token (401 otherwise). */
export function callerOf(req: Request): Principal {
  const principal = (req as Authenticated)[PRINCIPAL];
  if (!principal) throw unauthenticated('this endpoint needs an access token: Authorization: Bearer <token>');
  return principal;
}

/** An operator only (403 for a customer). */
export function asOperator(req: Request): Principal {
  const who = callerOf(req);
  if (who.role !== 'operator') throw forbidden('only an operator may do this');
  return who;
}

/** The customer who owns it, or an operator (403 for another customer). */
export function asOwnerOrOperator(req: Request, owner: string): Principal {
  const who = callerOf(req);
  if (!mayActFor(who, owner)) throw forbidden('a customer may only see and change what is its own');
  return who;
}

/** That customer itself, and nobody else (403 otherwise, operators included). */
export function asCustomer(req: Request, customerId: string): Principal {
  const who = callerOf(req);
  if (!isCustomer(who, customerId)) throw forbidden(who.role === 'operator' ? 'orders are placed by the customer who pays' : 'a customer may only order for itself');
  return who;
}
