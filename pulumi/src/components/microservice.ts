import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { PROBE_PATHS, type ServiceContract } from '@orders/contracts';
import type { ServiceSettings, TopicSettings } from '../config.js';
import { labels, podSecurity, podSpec, resources, restrictedContainer, type ClientPods, type NodePortEndpoint } from '../k8s.js';
import type { Postgres } from './postgres.js';
import type { ServiceImage } from './service-image.js';

export const SERVICE_UID = 1000; // the `node` user of the official Node image
export const MIGRATE_COMPONENT = 'migration';

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
 * One service: its configuration (ConfigMap + the database Secret), a migration Job that
 * runs the image's `migrate` command (named by image tag, so a new image migrates again),
 * the Deployment running `start`, and a NodePort Service.
 */
export class Microservice extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly migration: k8s.batch.v1.Job;
  readonly endpoint: NodePortEndpoint;
  /** The service's pods: they use the database and Kafka. */
  readonly pods: ClientPods;
  /** The migration Job's pods: they use the database. */
  readonly migrationPods: ClientPods;

  constructor(name: string, args: MicroserviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:app:Microservice', name, {}, opts);
    const { contract, settings, database } = args;
    const app = contract.serviceName;
    const podLabels = labels(app, 'service');
    const migrationLabels = labels(`${app}-migrate`, MIGRATE_COMPONENT);
    this.pods = { namespaceName: settings.namespace, app };
    this.migrationPods = { namespaceName: settings.namespace, app: `${app}-migrate` };
    this.endpoint = { namespace: settings.namespace, service: app, port: contract.httpPort, nodePort: settings.nodePort };

    // The non-secret environment; DB_PASSWORD comes from the database's Secret.
    const env: Record<string, string> = {
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: String(contract.httpPort),
      LOG_LEVEL: settings.logLevel,
      DB_HOST: database.host,
      DB_PORT: String(database.port),
      DB_NAME: database.database,
      DB_USER: database.user,
      KAFKA_BROKERS: args.kafka.bootstrapServers,
      KAFKA_TOPIC_PARTITIONS: String(args.topics.partitions),
      KAFKA_TOPIC_REPLICATION: String(args.topics.replication),
      KAFKA_TOPIC_RETENTION_MS: String(args.topics.retentionMs),
      ...settings.env,
    };
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: `${app}-config`, namespace: args.namespace, labels: podLabels }, data: env },
      { parent: this },
    );
    const password: k8s.types.input.core.v1.EnvVar = {
      name: 'DB_PASSWORD',
      valueFrom: { secretKeyRef: { name: database.secretName, key: 'DB_PASSWORD' } },
    };
    const container = (command: string): k8s.types.input.core.v1.Container => ({
      name: command === 'start' ? app : `${app}-${command}`,
      image: args.image.ref,
      imagePullPolicy: args.image.pullPolicy,
      command: [...contract.entrypoint, command],
      envFrom: [{ configMapRef: { name: `${app}-config` } }],
      env: [password],
      securityContext: restrictedContainer(SERVICE_UID),
      resources: resources(
        settings.resources.cpuRequest,
        settings.resources.memoryRequest,
        settings.resources.cpuLimit,
        settings.resources.memoryLimit,
      ),
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    });
    const tmp = { name: 'tmp', emptyDir: {} };

    this.migration = new k8s.batch.v1.Job(
      `${name}-migrate`,
      {
        metadata: { name: `${app}-migrate-${args.image.tag.slice(0, 10)}`, namespace: args.namespace, labels: migrationLabels },
        spec: {
          backoffLimit: 6,
          template: {
            metadata: { labels: migrationLabels },
            spec: podSpec({
              restartPolicy: 'OnFailure',
              securityContext: podSecurity(SERVICE_UID),
              initContainers: [
                {
                  name: 'wait-for-database',
                  image: settings.database.image,
                  command: ['sh', '-c', `until pg_isready -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER"; do sleep 2; done`],
                  envFrom: [{ configMapRef: { name: `${app}-config` } }],
                  securityContext: restrictedContainer(70),
                  resources: resources('10m', '16Mi', '100m', '64Mi'),
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
            metadata: { labels: podLabels },
            spec: podSpec({
              securityContext: podSecurity(SERVICE_UID),
              // Longer than SHUTDOWN_TIMEOUT_MS: SIGTERM lets in-flight work finish and commit.
              terminationGracePeriodSeconds: 30,
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
    this.registerOutputs({});
  }
}
