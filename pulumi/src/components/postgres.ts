import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { labels, podSecurity, podSpec, restrictedContainer, serviceHost, volumeClaim, type NamespaceRef } from '../k8s.js';
import { allowConnections, type Pods } from '../network.js';
import { keyedChecksum } from '../passwords.js';
import { postgresSize } from '../sizing.js';

export interface PostgresArgs {
  namespace: NamespaceRef;
  database: string;
  /** The role the service runs as: rows only, no schema (created by the migration Job). */
  appUser: string;
  appPassword: pulumi.Output<string>;
  image: string;
  storage: string;
  storageClass: string;
  memoryLimit: string;
}

const POSTGRES_UID = 70; // the postgres user of the official alpine image
export const POSTGRES_PORT = 5432;
/** The superuser the image creates; it owns the schema and only the migration Job uses it. */
export const ADMIN_USER = 'postgres';

/**
 * One PostgreSQL: a generated superuser password and the application role's password (one
 * Secret each, so a pod gets only the one it uses), a StatefulSet with a PVC, a headless
 * Service, pg_isready probes.
 */
export class Postgres extends pulumi.ComponentResource {
  readonly host: string;
  readonly port = POSTGRES_PORT;
  readonly database: string;
  readonly adminUser = ADMIN_USER;
  readonly appUser: string;
  /** Secret with POSTGRES_PASSWORD: the superuser's. */
  readonly adminSecretName: string;
  /** Secret with DB_PASSWORD: the application role's. */
  readonly appSecretName: string;
  /**
   * Changes exactly when the application password does; keyed with the superuser's
   * password, so it tells nothing about the password it stands for.
   */
  readonly appPasswordChecksum: pulumi.Output<string>;
  readonly podLabels: Record<string, string>;
  /** The `app` label of its pods. */
  readonly app: string;
  private readonly args: PostgresArgs;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:data:Postgres', name, {}, opts);
    const app = name;
    this.app = app;
    this.podLabels = labels(app, 'database');
    this.adminSecretName = `${name}-admin`;
    this.appSecretName = `${name}-app`;
    this.host = serviceHost(name, args.namespace.name);
    this.database = args.database;
    this.appUser = args.appUser;
    this.args = args;

    const adminPassword = new random.RandomPassword(`${name}-admin-password`, { length: 32, special: false }, { parent: this }).result;
    this.appPasswordChecksum = keyedChecksum(adminPassword, args.appPassword);
    const secret = (secretName: string, data: Record<string, pulumi.Output<string>>) =>
      new k8s.core.v1.Secret(
        secretName,
        { metadata: { name: secretName, namespace: args.namespace.ready, labels: this.podLabels }, type: 'Opaque', stringData: data },
        { parent: this },
      );
    secret(this.adminSecretName, { POSTGRES_PASSWORD: pulumi.secret(adminPassword) });
    secret(this.appSecretName, { DB_PASSWORD: args.appPassword });

    const service = new k8s.core.v1.Service(
      name,
      {
        metadata: { name, namespace: args.namespace.ready, labels: this.podLabels },
        spec: { clusterIP: 'None', selector: { app }, ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: POSTGRES_PORT }] },
      },
      { parent: this },
    );

    const ready = ['pg_isready', '-h', '127.0.0.1', '-U', ADMIN_USER, '-d', args.database];
    new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: { name, namespace: args.namespace.ready, labels: this.podLabels },
        spec: {
          serviceName: name,
          replicas: 1,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: this.podLabels },
            spec: podSpec({
              securityContext: podSecurity(POSTGRES_UID),
              containers: [
                {
                  name: 'postgres',
                  image: args.image,
                  ports: [{ name: 'postgres', containerPort: POSTGRES_PORT }],
                  env: [
                    { name: 'POSTGRES_DB', value: args.database },
                    { name: 'POSTGRES_USER', value: ADMIN_USER },
                    { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: this.adminSecretName, key: 'POSTGRES_PASSWORD' } } },
                    { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                  ],
                  securityContext: restrictedContainer(POSTGRES_UID),
                  resources: postgresSize(args.memoryLimit),
                  readinessProbe: { exec: { command: ready }, periodSeconds: 5, timeoutSeconds: 3 },
                  livenessProbe: { exec: { command: ready }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5 },
                  volumeMounts: [
                    { name: 'data', mountPath: '/var/lib/postgresql/data' },
                    { name: 'run', mountPath: '/var/run/postgresql' },
                    { name: 'tmp', mountPath: '/tmp' },
                  ],
                },
              ],
              volumes: [
                { name: 'run', emptyDir: {} },
                { name: 'tmp', emptyDir: {} },
              ],
            }),
          },
          volumeClaimTemplates: [volumeClaim('data', args.storage, args.storageClass)],
        },
      },
      { parent: this, dependsOn: [service] },
    );
    this.registerOutputs({ host: this.host });
  }

  /** Lets only these pods reach the database. */
  admit(clients: readonly Pods[]): void {
    const server = { namespace: this.args.namespace, app: this.app };
    allowConnections(`${this.app}-ingress`, server, clients, [POSTGRES_PORT], { parent: this });
  }
}
