import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { PROBE_PATHS, type ServiceContract } from '@orders/contracts';
import type { ServiceSettings, TopicSettings } from '../config.js';
import { checksum, labels, podSecurity, podSpec, restrictedContainer, type NodePortEndpoint } from '../k8s.js';
import { allowFromAnywhere, type Pods } from '../network.js';
import { SIZES } from '../sizing.js';
import type { Postgres } from './postgres.js';
import type { ServiceImage } from './service-image.js';

export const SERVICE_UID = 1000; // the `node` user of the official Node image
export const MIGRATE_COMPONENT = 'migration';
/**
 * On SIGTERM a service answers not-ready while it keeps serving for the drain (Kubernetes
 * takes the pod out of its endpoints meanwhile), then stops within the timeout; the pod's
 * grace period covers both with a margin before the kubelet's SIGKILL.
 */
export const SHUTDOWN = { drainMs: 3000, timeoutMs: 20000 };
const TERMINATION_GRACE_SECONDS = Math.ceil((SHUTDOWN.drainMs + SHUTDOWN.timeoutMs) / 1000) + 5;

export interface MicroserviceArgs {
  contract: ServiceContract;
  settings: ServiceSettings;
  namespace: pulumi.Output<string>;
  image: ServiceImage;
  database: Postgres;
  kafka: { bootstrapServers: string };
  topics: TopicSettings;
  /** Resources that must be done first (the topic Job). */
  after: pulumi.Resource[];
}

/**
 * One service: its configuration (ConfigMap + the database Secrets), a migration Job that
 * runs the image's `migrate` command as the schema's owner (named by image, config and
 * password, so a change of any migrates again and applies the password), the Deployment
 * running `start` as the application role, and a NodePort Service.
 */
export class Microservice extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly migration: k8s.batch.v1.Job;
  readonly endpoint: NodePortEndpoint;
  /** The service's pods: they use the database and Kafka. */
  readonly pods: Pods;
  /** The migration Job's pods: they use the database. */
  readonly migrationPods: Pods;

  constructor(name: string, args: MicroserviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:app:Microservice', name, {}, opts);
    const { contract, settings, database } = args;
    const app = contract.serviceName;
    const podLabels = labels(app, 'service');
    const migrationLabels = labels(`${app}-migrate`, MIGRATE_COMPONENT);
    this.pods = { namespace: args.namespace, namespaceName: settings.namespace, app };
    this.migrationPods = { namespace: args.namespace, namespaceName: settings.namespace, app: `${app}-migrate` };
    this.endpoint = { namespace: settings.namespace, service: app, port: contract.httpPort, nodePort: settings.nodePort };

    // The non-secret environment; DB_PASSWORD comes from the database's Secret.
    const env: Record<string, string> = {
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: String(contract.httpPort),
      LOG_LEVEL: settings.logLevel,
      DB_HOST: database.host,
      DB_PORT: String(database.port),
      DB_NAME: database.database,
      DB_USER: database.appUser,
      KAFKA_BROKERS: args.kafka.bootstrapServers,
      KAFKA_TOPIC_PARTITIONS: String(args.topics.partitions),
      KAFKA_TOPIC_REPLICATION: String(args.topics.replication),
      KAFKA_TOPIC_RETENTION_MS: String(args.topics.retentionMs),
      // Event ids are kept a day longer than the events themselves (the services insist on longer).
      INBOX_RETENTION_MS: String(args.topics.retentionMs + 86_400_000),
      SHUTDOWN_DRAIN_MS: String(SHUTDOWN.drainMs),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN.timeoutMs),
      ...settings.env,
    };
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: `${app}-config`, namespace: args.namespace, labels: podLabels }, data: env },
      { parent: this },
    );
    const fromSecret = (name: string, secretName: string, key: string): k8s.types.input.core.v1.EnvVar => ({
      name,
      valueFrom: { secretKeyRef: { name: secretName, key } },
    });
    const appPassword = fromSecret('DB_PASSWORD', database.appSecretName, 'DB_PASSWORD');
    // The migration runs as the schema's owner and sets the application role up, password included.
    const migrationEnv = [
      { name: 'DB_USER', value: database.adminUser },
      fromSecret('DB_PASSWORD', database.adminSecretName, 'POSTGRES_PASSWORD'),
      { name: 'APP_DB_USER', value: database.appUser },
      fromSecret('APP_DB_PASSWORD', database.appSecretName, 'DB_PASSWORD'),
    ];
    // A change of either rolls the pods (and re-runs the migration); names stay fixed.
    const checksums = { 'checksum/config': checksum(env), 'checksum/db-password': database.appPasswordChecksum };
    const container = (command: string): k8s.types.input.core.v1.Container => ({
      name: command === 'start' ? app : `${app}-${command}`,
      image: args.image.ref,
      imagePullPolicy: args.image.pullPolicy,
      command: [...contract.entrypoint, command],
      envFrom: [{ configMapRef: { name: `${app}-config` } }],
      env: command === 'migrate' ? migrationEnv : [appPassword],
      securityContext: restrictedContainer(SERVICE_UID),
      resources: settings.resources,
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    });
    const tmp = { name: 'tmp', emptyDir: {} };

    this.migration = new k8s.batch.v1.Job(
      `${name}-migrate`,
      {
        metadata: {
          // A new image, config or password is a new Job: the migration runs again.
          name: database.appPasswordChecksum.apply((passwordChecksum) => `${app}-migrate-${checksum([args.image.tag, env, passwordChecksum]).slice(0, 10)}`),
          namespace: args.namespace,
          labels: migrationLabels,
        },
        spec: {
          backoffLimit: 6,
          template: {
            metadata: { labels: migrationLabels, annotations: checksums },
            spec: podSpec({
              restartPolicy: 'OnFailure',
              securityContext: podSecurity(SERVICE_UID),
              initContainers: [
                {
                  name: 'wait-for-database',
                  image: settings.database.image,
                  command: ['sh', '-c', 'until pg_isready -h "$DB_HOST" -p "$DB_PORT"; do sleep 2; done'],
                  env: [
                    { name: 'DB_HOST', value: database.host },
                    { name: 'DB_PORT', value: String(database.port) },
                  ],
                  securityContext: restrictedContainer(70),
                  resources: SIZES.waitForDatabase,
                },
              ],
              containers: [container('migrate')],
              volumes: [tmp],
            }),
          },
        },
      },
      { parent: this, dependsOn: [config, args.image.ready, database, ...args.after] },
    );

    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: app, namespace: args.namespace, labels: podLabels },
        spec: {
          replicas: settings.replicas,
          selector: { matchLabels: { app } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels: podLabels,
              // Prometheus' conventional scrape annotations: /metrics on the HTTP port.
              annotations: {
                ...checksums,
                'prometheus.io/scrape': 'true',
                'prometheus.io/port': String(contract.httpPort),
                'prometheus.io/path': PROBE_PATHS.metrics,
              },
            },
            spec: podSpec({
              securityContext: podSecurity(SERVICE_UID),
              terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
              containers: [
                {
                  ...container('start'),
                  ports: [{ name: 'http', containerPort: contract.httpPort }],
                  startupProbe: { httpGet: { path: PROBE_PATHS.liveness, port: 'http' }, periodSeconds: 2, failureThreshold: 30 },
                  livenessProbe: { httpGet: { path: PROBE_PATHS.liveness, port: 'http' }, periodSeconds: 10, timeoutSeconds: 3 },
                  readinessProbe: { httpGet: { path: PROBE_PATHS.readiness, port: 'http' }, periodSeconds: 5, timeoutSeconds: 3 },
                },
              ],
              volumes: [tmp],
            }),
          },
        },
      },
      { parent: this, dependsOn: [this.migration] },
    );

    new k8s.core.v1.Service(
      name,
      {
        metadata: { name: app, namespace: args.namespace, labels: podLabels },
        spec: {
          type: 'NodePort',
          selector: { app },
          ports: [{ name: 'http', port: contract.httpPort, targetPort: 'http', nodePort: settings.nodePort }],
        },
      },
      { parent: this, dependsOn: [this.deployment] },
    );
    allowFromAnywhere(this.pods, [contract.httpPort], { parent: this });
    if (settings.replicas > 1) {
      // A node drain evicts one replica at a time; the others keep serving.
      new k8s.policy.v1.PodDisruptionBudget(
        name,
        { metadata: { name: app, namespace: args.namespace, labels: podLabels }, spec: { maxUnavailable: 1, selector: { matchLabels: { app } } } },
        { parent: this, dependsOn: [this.deployment] },
      );
    }
    this.registerOutputs({});
  }
}
