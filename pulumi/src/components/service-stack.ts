import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { ServiceContract } from '@orders/contracts';
import type { ServiceSettings, TopicSettings } from '../config.js';
import type { Kafka } from './kafka.js';
import { Microservice } from './microservice.js';
import { Postgres } from './postgres.js';
import type { ServiceImage } from './service-image.js';

export interface ServiceStackArgs {
  contract: ServiceContract;
  settings: ServiceSettings;
  namespace: pulumi.Output<string>;
  image: ServiceImage;
  kafka: Kafka;
  topics: TopicSettings;
  /** Done first: the topic Job. */
  after: pulumi.Resource[];
}

/**
 * One service with everything of its own: its database password (set or generated), its
 * PostgreSQL, which only the service and its migration Job may reach, and the service
 * itself (migration Job, Deployment, NodePort Service).
 */
export class ServiceStack extends pulumi.ComponentResource {
  readonly service: Microservice;
  readonly database: Postgres;

  constructor(name: string, args: ServiceStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:app:ServiceStack', name, {}, opts);
    const { settings } = args;
    const generated = new random.RandomPassword(`${name}-db-password`, { length: 32, special: false }, { parent: this });
    const password = pulumi.secret(settings.database.password ?? generated.result);
    this.database = new Postgres(
      `${name}-postgres`,
      {
        namespace: args.namespace,
        namespaceName: settings.namespace,
        database: args.contract.database,
        appUser: `${name}_app`,
        appPassword: password,
        image: settings.database.image,
        storage: settings.database.storage,
        storageClass: settings.database.storageClass,
        memoryLimit: settings.database.memoryLimit,
      },
      { parent: this },
    );
    this.service = new Microservice(
      name,
      {
        contract: args.contract,
        settings,
        namespace: args.namespace,
        image: args.image,
        database: this.database,
        kafka: args.kafka,
        topics: args.topics,
        after: args.after,
      },
      { parent: this },
    );
    this.database.admit([this.service.pods, this.service.migrationPods]);
    this.registerOutputs({});
  }
}
