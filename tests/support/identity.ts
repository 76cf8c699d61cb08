import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { WriteStream } from 'node:fs';
import path from 'node:path';
import { loginWithPassword, type AccessToken } from '@orders/identity-service/login';
import { testDbServer } from '@orders/testing';
import { runToEnd, spawnLogged, stopProcess, untilReady } from './process.js';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const MAIN = path.join(ROOT, 'services', 'identity', 'dist', 'src', 'main.js');
/** The operator login every test system has. */
export const OPERATOR = 'operator';
/** A token is fetched again when less than this part of its lifetime is left. */
const RENEW_WHEN_LEFT = 0.2;

/**
 * The identity service of a test system: the real issuer (`main.js migrate` and `start`),
 * its own database, and passwords made for this run. Customers get their
 * logins from the operator (PUT /users/{id}) the first time a test acts as them, and every
 * token comes from a real sign-in (authorization code with PKCE).
 */
export class LocalIdentity {
  private child?: ChildProcess;
  readonly operatorPassword = randomBytes(18).toString('base64url');
  /** The password of every customer login of this system. */
  readonly customerPassword = randomBytes(18).toString('base64url');
  private readonly tokens = new Map<string, Promise<AccessToken & { lifetimeMs: number }>>();
  private readonly customers = new Map<string, Promise<void>>();

  constructor(
    readonly database: string,
    readonly port: number,
    private readonly log: () => WriteStream,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  /** A second issuer process: the same users and keys (this database), its own port and `env` (e.g. a shorter token lifetime). */
  sibling(port: number, env: Record<string, string>): LocalIdentity {
    return new LocalIdentity(this.database, port, this.log, { ...this.extraEnv, ...env });
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(this.port),
      DB_HOST: testDbServer.host,
      DB_PORT: String(testDbServer.port),
      DB_USER: testDbServer.user,
      DB_PASSWORD: testDbServer.password,
      DB_NAME: this.database,
      AUTH_ISSUER: this.issuer,
      IDENTITY_OPERATOR_PASSWORD: this.operatorPassword,
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_MS: '0',
      ...this.extraEnv,
    };
  }

  async migrate(): Promise<void> {
    await runToEnd(this.spawn('migrate'), 'identity migrate');
  }

  async start(): Promise<void> {
    this.child = this.spawn('start');
    await untilReady(this.child, 'identity', this.issuer);
  }

  async stop(): Promise<void> {
    await stopProcess(this.child);
  }

  /** A current access token of `user` (the operator, or a customer, whose login is made on first use). */
  async token(user: string): Promise<string> {
    const cached = this.tokens.get(user);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt - Date.now() > RENEW_WHEN_LEFT * token.lifetimeMs) return token.token;
    }
    const fresh = (async () => {
      if (user !== OPERATOR) await this.customer(user);
      const token = await loginWithPassword(this.issuer, user, user === OPERATOR ? this.operatorPassword : this.customerPassword);
      return { ...token, lifetimeMs: token.expiresAt - Date.now() };
    })();
    this.tokens.set(user, fresh);
    return (await fresh).token;
  }

  /** Gives customer `id` a login, as an operator does. */
  customer(id: string): Promise<void> {
    let made = this.customers.get(id);
    if (!made) {
      made = (async () => {
        const res = await fetch(`${this.issuer}/users/${encodeURIComponent(id)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await this.token(OPERATOR)}` },
          body: JSON.stringify({ password: this.customerPassword }),
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(`PUT /users/${id}: ${res.status} ${await res.text()}`);
      })();
      made.catch(() => this.customers.delete(id));
      this.customers.set(id, made);
    }
    return made;
  }

  private spawn(command: 'migrate' | 'start'): ChildProcess {
    return spawnLogged(MAIN, command, this.env(), this.log());
  }
}
