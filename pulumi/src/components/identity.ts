import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { DEMO_CUSTOMERS, IDENTITY_CONTRACT } from '@orders/contracts';
import type { ServiceSettings } from '../config.js';
import { labels, type NamespaceRef } from '../k8s.js';
import { allowConnections, type Pods } from '../network.js';
import { keyedChecksum, passwordOrGenerated } from '../passwords.js';
import type { ServiceImage } from './service-image.js';
import { fromSecret } from './service-pod.js';
import { ServiceStack } from './service-stack.js';

export interface IdentityArgs {
  settings: ServiceSettings;
  namespace: NamespaceRef;
  image: ServiceImage;
  /** The issuer's URL as browsers and the command line reach it: tokens name it. */
  issuer: pulumi.Output<string>;
  /** Where the console is served: a sign-in may send the browser back only there. */
  consoleUrls: pulumi.Output<string[]>;
  /** Set on the stack (secrets); unset: generated. */
  operatorPassword: pulumi.Output<string> | undefined;
  demoPassword: pulumi.Output<string> | undefined;
  demoSeed: boolean;
}

/** Who signs in: user names and passwords (secrets), for the stack output `logins`. */
export interface PeopleLogins {
  operator: { username: string; password: pulumi.Output<string> };
  /** The demo customers, when the stack seeds demo data. */
  customers?: { usernames: string[]; password: pulumi.Output<string> };
}

const OPERATOR = 'operator';

/**
 * The OpenID Connect issuer: the identity service (the same image and Dockerfile as the
 * others, its own PostgreSQL) with the operator's and the demo customers' passwords in a
 * Secret only its migration reads (set on the stack or generated), published on its NodePort.
 */
export class Identity extends pulumi.ComponentResource {
  readonly stack: ServiceStack;
  readonly logins: PeopleLogins;
  readonly pods: Pods;

  constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:app:Identity', name, {}, opts);
    const child = { parent: this };
    const operator = passwordOrGenerated(`${name}-operator-password`, args.operatorPassword, child);
    const demo = passwordOrGenerated(`${name}-demo-password`, args.demoPassword, child);
    const secretName = `${IDENTITY_CONTRACT.serviceName}-logins`;
    const secret = new k8s.core.v1.Secret(
      `${name}-logins`,
      {
        metadata: { name: secretName, namespace: args.namespace.ready, labels: labels(IDENTITY_CONTRACT.serviceName, 'service') },
        type: 'Opaque',
        stringData: { IDENTITY_OPERATOR_PASSWORD: operator, IDENTITY_DEMO_PASSWORD: demo },
      },
      child,
    );
    // Keyed, so the checksum in the Job's name tells nothing about the passwords.
    const key = new random.RandomPassword(`${name}-logins-checksum-key`, { length: 32, special: false }, child).result;
    const loginsChecksum = keyedChecksum(key, operator, demo);
    const fromLogins = (variable: string) => fromSecret(variable, secretName, variable);
    this.stack = new ServiceStack(
      name,
      {
        contract: IDENTITY_CONTRACT,
        settings: args.settings,
        namespace: args.namespace,
        image: args.image,
        linkedEnv: { AUTH_ISSUER: args.issuer, IDENTITY_CONSOLE_URLS: args.consoleUrls.apply((urls) => urls.join(',')) },
        migrationSecrets: { env: [fromLogins('IDENTITY_OPERATOR_PASSWORD'), fromLogins('IDENTITY_DEMO_PASSWORD')], checksum: loginsChecksum },
        after: [secret],
      },
      child,
    );
    this.pods = this.stack.service.pods;
    this.logins = {
      operator: { username: OPERATOR, password: operator },
      ...(args.demoSeed ? { customers: { usernames: [...DEMO_CUSTOMERS], password: demo } } : {}),
    };
    this.registerOutputs({});
  }

  /** Lets `clients` fetch the issuer's keys (JWKS) to check tokens. */
  admit(clients: readonly Pods[]): void {
    allowConnections(`${IDENTITY_CONTRACT.serviceName}-clients`, this.pods, clients, [IDENTITY_CONTRACT.httpPort], { parent: this });
  }
}
