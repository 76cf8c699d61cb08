import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ingressPolicy, labels, podSecurity, podSpec, resources, restrictedContainer, serviceHost, volumeClaim, type ClientPods } from '../k8s.js';

export interface PostgresArgs {
  namespace: pulumi.Output<string>;
  namespaceName: string;
  database: string;
  user: string;
  password: pulumi.Output<string>;
  image: string;
  storage: string;
  storageClass: string;
  memoryLimit: string;
}

const POSTGRES_UID = 70; // the postgres user of the official alpine image
export const POSTGRES_PORT = 5432;

/** One PostgreSQL: Secret, StatefulSet with a PVC, headless Service, pg_isready probes. */
export class Postgres extends pulumi.ComponentResource {
  readonly host: string;
  readonly port = POSTGRES_PORT;
  readonly database: string;
  readonly user: string;
  readonly secretName: string;
  readonly podLabels: Record<string, string>;
  /** The `app` label of its pods. */
  readonly app: string;
  private readonly args: PostgresArgs;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:data:Postgres', name, {}, opts);
    const app = name;
    this.app = app;
    this.podLabels = labels(app, 'database');
    this.secretName = `${name}-credentials`;
    this.host = serviceHost(name, args.namespaceName);
    this.database = args.database;
    this.user = args.user;
    this.args = args;

    new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { name: this.secretName, namespace: args.namespace, labels: this.podLabels },
        type: 'Opaque',
        stringData: { POSTGRES_PASSWORD: args.password, DB_PASSWORD: args.password },
      },
      { parent: this },
    );

    const service = new k8s.core.v1.Service(
      name,
      {
        metadata: { name, namespace: args.namespace, labels: this.podLabels },
        spec: { clusterIP: 'None', selector: { app }, ports: [{ name: 'postgres', port: POSTGRES_PORT, targetPort: POSTGRES_PORT }] },
      },
      { parent: this },
    );

    const ready = ['pg_isready', '-h', '127.0.0.1', '-U', args.user, '-d', args.database];
    new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata: { name, namespace: args.namespace, labels: this.podLabels },
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
                    { name: 'POSTGRES_USER', value: args.user },
                    { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: this.secretName, key: 'POSTGRES_PASSWORD' } } },
                    { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
                  ],
                  securityContext: restrictedContainer(POSTGRES_UID),
                  resources: resources('100m', '128Mi', '1', args.memoryLimit),
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
  admit(clients: readonly ClientPods[]): void {
    ingressPolicy(
      `${this.app}-ingress`,
      { namespace: this.args.namespace, namespaceName: this.args.namespaceName, app: this.app, clients, ports: [POSTGRES_PORT] },
      { parent: this },
    );
  }
}
