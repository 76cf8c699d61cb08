import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { checksum, labels, podSecurity, podSpec, restrictedContainer, type NamespaceRef } from '../k8s.js';
import type { Pods } from '../network.js';
import { SIZES } from '../sizing.js';
import { SERVICE_UID, serviceContainer, type ServicePod } from './service-pod.js';

export const MIGRATE_COMPONENT = 'migration';

export interface MigrationJobArgs {
  namespace: NamespaceRef;
  pod: ServicePod;
  /** Done first: the ConfigMap, the image, the database, the topic Job. */
  after: pulumi.Input<pulumi.Resource>[];
  /** The URN of the component its Job belonged to before (the stack's state keeps the Job). */
  formerParent?: pulumi.Input<string>;
}

/**
 * A service's migration: a Job that waits for its database, then runs the image's `migrate`
 * as the schema's owner (schema, demo data, the application role and its password). Named
 * by image, config and password, so a change of any migrates again and applies the password.
 */
export class MigrationJob extends pulumi.ComponentResource {
  readonly job: k8s.batch.v1.Job;
  /** Its pods: they use the database. */
  readonly pods: Pods;

  constructor(name: string, args: MigrationJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:app:MigrationJob', name, {}, opts);
    const { pod } = args;
    const app = pod.contract.serviceName;
    const podLabels = labels(`${app}-migrate`, MIGRATE_COMPONENT);
    this.pods = { namespace: args.namespace, app: `${app}-migrate` };
    this.job = new k8s.batch.v1.Job(
      name,
      {
        metadata: {
          // A new image, config or password is a new Job: the migration runs again.
          name: pulumi
            .all([pod.database.appPasswordChecksum, pod.migrationSecrets?.checksum ?? ''])
            .apply(([password, secrets]) => `${app}-migrate-${checksum([pod.image.tag, pod.env, password, ...(secrets ? [secrets] : [])]).slice(0, 10)}`),
          namespace: args.namespace.ready,
          labels: podLabels,
        },
        spec: {
          backoffLimit: 6,
          template: {
            metadata: { labels: podLabels, annotations: pod.checksums },
            spec: podSpec({
              restartPolicy: 'OnFailure',
              securityContext: podSecurity(SERVICE_UID),
              initContainers: [
                {
                  name: 'wait-for-database',
                  image: pod.settings.database.image,
                  command: ['sh', '-c', 'until pg_isready -h "$DB_HOST" -p "$DB_PORT"; do sleep 2; done'],
                  env: [
                    { name: 'DB_HOST', value: pod.database.host },
                    { name: 'DB_PORT', value: String(pod.database.port) },
                  ],
                  securityContext: restrictedContainer(70),
                  resources: SIZES.waitForDatabase,
                },
              ],
              containers: [serviceContainer(pod, 'migrate')],
              volumes: [{ name: 'tmp', emptyDir: {} }],
            }),
          },
        },
      },
      { parent: this, dependsOn: args.after, aliases: args.formerParent ? [{ parent: args.formerParent }] : [] },
    );
    this.registerOutputs({});
  }
}
