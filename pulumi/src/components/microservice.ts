import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { PROBE_PATHS, type ServiceContract } from '@orders/shared';
import { labels, podSecurity, podSpec, resources, restrictedContainer, type NodePortEndpoint } from '../k8s.js';
import type { Postgres } from './postgres.js';
import type { ServiceImage } from './service-image.js';

export const SERVICE_UID = 1000; // the `node` user of the official Node image
export const MIGRATE_COMPONENT = 'migration';

export interface MicroserviceArgs {
  contract: ServiceContract;
  namespace: pulumi.Input<string>;
  namespaceName: string;
  image: ServiceImage;
  database: Postgres;
  /** Non-secret environment (ConfigMap); DB_PASSWORD comes from the database Secret. */
  env: Record<string, string>;
  replicas: number;
  nodePort: number;
  resources: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string };
  postgresImage: string;
  /** Resources that must be ready first (the topic Job). */
  dependsOn: pulumi.Resource[];
}

/**
 * One service: its configuration (ConfigMap + the database Secret), a migration Job that
 * runs the image's `migrate` command (named by image tag, so a new image migrates again),
 * the Deployment running `start`, and a NodePort Service.
 */
export class Microservice extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly migration: k8s.batch.v1.Job;
  readonly podLabels: Record<string, string>;
  readonly migrationLabels: Record<string, string>;
  readonly endpoint: NodePortEndpoint;

  constructor(name: string, args: MicroserviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:app:Microservice', name, {}, opts);
    const { contract } = args;
    const app = contract.serviceName;
    this.podLabels = labels(app, 'service');
    this.migrationLabels = labels(`${app}-migrate`, MIGRATE_COMPONENT);
    this.endpoint = { namespace: args.namespaceName, service: app, port: contract.httpPort, nodePort: args.nodePort };

    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: `${app}-config`, namespace: args.namespace, labels: this.podLabels }, data: args.env },
      { parent: this },
    );
    const password: k8s.types.input.core.v1.EnvVar = {
      name: 'DB_PASSWORD',
      valueFrom: { secretKeyRef: { name: args.database.secretName, key: 'DB_PASSWORD' } },
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
        args.resources.cpuRequest,
        args.resources.memoryRequest,
        args.resources.cpuLimit,
        args.resources.memoryLimit,
      ),
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    });
    const tmp = { name: 'tmp', emptyDir: {} };
    const dbUser = args.env.DB_USER ?? 'postgres';

    this.migration = new k8s.batch.v1.Job(
      `${name}-migrate`,
      {
        metadata: { name: `${app}-migrate-${args.image.tag.slice(0, 10)}`, namespace: args.namespace, labels: this.migrationLabels },
        spec: {
          backoffLimit: 6,
          template: {
            metadata: { labels: this.migrationLabels },
            spec: podSpec({
              restartPolicy: 'OnFailure',
              securityContext: podSecurity(SERVICE_UID),
              initContainers: [
                {
                  name: 'wait-for-database',
                  image: args.postgresImage,
                  command: ['sh', '-c', `until pg_isready -h "$DB_HOST" -p "$DB_PORT" -U ${dbUser}; do sleep 2; done`],
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
      { parent: this, dependsOn: [config, args.image.ready, args.database, ...args.dependsOn] },
    );

    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: app, namespace: args.namespace, labels: this.podLabels },
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: { app } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: this.podLabels },
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
        metadata: { name: app, namespace: args.namespace, labels: this.podLabels },
        spec: {
          type: 'NodePort',
          selector: { app },
          ports: [{ name: 'http', port: contract.httpPort, targetPort: 'http', nodePort: args.nodePort }],
        },
      },
      { parent: this, dependsOn: [this.deployment] },
    );
    this.registerOutputs({});
  }
}
