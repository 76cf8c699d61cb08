import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { passwordOrGenerated } from '../passwords.js';
import type { DeployedContract } from '@orders/contracts';
import type { ServiceSettings, TopicSettings } from '../config.js';
import { labels, type NamespaceRef } from '../k8s.js';
import type { Kafka } from './kafka.js';
import { MigrationJob } from './migration-job.js';
import { Postgres } from './postgres.js';
import { ServiceDeployment } from './service-deployment.js';
import type { ServiceImage } from './service-image.js';
import { podChecksums, serviceEnvironment, type ServicePod } from './service-pod.js';

export interface ServiceStackArgs {
  contract: DeployedContract;
  settings: ServiceSettings;
  namespace: NamespaceRef;
  image: ServiceImage;
  /** The saga's services: the brokers, the topics' settings and a Kafka user of its own. */
  kafka?: { cluster: Kafka; topics: TopicSettings };
  /** Variables known once the cluster is (the issuer's URL), by name. */
  linkedEnv?: Record<string, pulumi.Output<string>>;
  /** Secrets only the migration reads, and their checksum (a change migrates again). */
  migrationSecrets?: { env: k8s.types.input.core.v1.EnvVar[]; checksum: pulumi.Output<string> };
  /** Done first: the topic Job. */
  after: pulumi.Resource[];
}

/**
 * One service with everything of its own: its database password (set or generated), its
 * PostgreSQL, which only the service and its migration Job may reach, its configuration,
 * the migration Job, and the service running.
 */
export class ServiceStack extends pulumi.ComponentResource {
  readonly service: ServiceDeployment;
  readonly migration: MigrationJob;
  readonly database: Postgres;

  constructor(name: string, args: ServiceStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:app:ServiceStack', name, {}, opts);
    const { settings, contract } = args;
    const child = { parent: this };
    const password = passwordOrGenerated(`${name}-db-password`, settings.database.password, child);
    this.database = new Postgres(
      `${name}-postgres`,
      {
        namespace: args.namespace,
        database: contract.database,
        appUser: `${name}_app`,
        appPassword: password,
        image: settings.database.image,
        storage: settings.database.storage,
        storageClass: settings.database.storageClass,
        memoryLimit: settings.database.memoryLimit,
      },
      child,
    );
    // The component that held the configuration, the Job and the Deployment before they had
    // their own: the stack's state keeps them under their new parents.
    const formerParent = pulumi.createUrn(name, 'orders:app:Microservice', this);
    const env = serviceEnvironment(contract, settings, this.database, args.kafka && { bootstrapServers: args.kafka.cluster.bootstrapServers, topics: args.kafka.topics });
    const configMap = `${contract.serviceName}-config`;
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: configMap, namespace: args.namespace.ready, labels: labels(contract.serviceName, 'service') }, data: env },
      { ...child, aliases: [{ parent: formerParent }] },
    );
    // Its own Kafka user: ACLs let it write only its topic and its dead letters, read only what it consumes.
    const kafkaUser = args.kafka?.cluster.credentialsFor(`${name}-kafka-credentials`, args.namespace, contract.serviceName, `${contract.serviceName}-kafka-credentials`);
    const linked = Object.entries(args.linkedEnv ?? {});
    const pod: ServicePod = {
      contract,
      settings,
      image: args.image,
      database: this.database,
      configMap,
      env,
      kafkaEnv: kafkaUser?.env ?? [],
      linkedEnv: linked.map(([variable, value]) => ({ name: variable, value })),
      ...(args.migrationSecrets ? { migrationSecrets: args.migrationSecrets } : {}),
      // The linked values are in the container's own env: a change of one changes the pod template by itself.
      checksums: podChecksums(env, this.database),
    };
    this.migration = new MigrationJob(
      `${name}-migrate`,
      { namespace: args.namespace, pod, after: [config, args.image.ready, this.database, ...args.after], formerParent },
      child,
    );
    this.service = new ServiceDeployment(
      name,
      { namespace: args.namespace, pod, after: [this.migration.job, ...(kafkaUser ? [kafkaUser.secret] : [])], formerParent },
      child,
    );
    this.database.admit([this.service.pods, this.migration.pods]);
    this.registerOutputs({});
  }
}
