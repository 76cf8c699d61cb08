import { createHash } from 'node:crypto';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { KAFKA_ADMIN_USER, type ServiceContract } from '@orders/contracts';
import type { TopicSettings } from '../config.js';
import { labels, podSecurity, podSpec, restrictedContainer, type NamespaceRef } from '../k8s.js';
import type { Pods } from '../network.js';
import { SIZES } from '../sizing.js';
import type { Kafka } from './kafka.js';
import { SERVICE_UID } from './service-pod.js';
import type { ServiceImage } from './service-image.js';

export interface KafkaTopicsArgs {
  namespace: NamespaceRef;
  /** Any service image: every one has the `topics` command. */
  image: ServiceImage;
  contract: ServiceContract;
  kafka: Kafka;
  topics: TopicSettings;
  logLevel: string;
}

/** A Job that creates the saga topics, their .dlq topics and every principal's ACLs before any service starts. */
export class KafkaTopics extends pulumi.ComponentResource {
  readonly job: k8s.batch.v1.Job;
  /** The Job's pods: they use Kafka. */
  readonly pods: Pods;

  constructor(name: string, args: KafkaTopicsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:messaging:KafkaTopics', name, {}, opts);
    const podLabels = labels(name, 'kafka-topics');
    this.pods = { namespace: args.namespace, app: name };
    const env = {
      KAFKA_BROKERS: args.kafka.bootstrapServers,
      KAFKA_TOPIC_PARTITIONS: String(args.topics.partitions),
      KAFKA_TOPIC_REPLICATION: String(args.topics.replication),
      KAFKA_TOPIC_RETENTION_MS: String(args.topics.retentionMs),
      LOG_LEVEL: args.logLevel,
    };
    // The admin user (a super user): it creates the topics and every principal's ACLs.
    const admin = args.kafka.credentialsFor(`${name}-kafka-credentials`, args.namespace, KAFKA_ADMIN_USER, `${name}-kafka-credentials`);
    const settings = Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    this.job = new k8s.batch.v1.Job(
      name,
      {
        metadata: {
          // A change of topic settings or image is a new Job run.
          name: `${name}-${args.image.tag.slice(0, 6)}-${hash(settings)}`,
          namespace: args.namespace.ready,
          labels: podLabels,
        },
        spec: {
          backoffLimit: 10,
          template: {
            metadata: { labels: podLabels },
            spec: podSpec({
              restartPolicy: 'OnFailure',
              securityContext: podSecurity(SERVICE_UID),
              containers: [
                {
                  name: 'create-topics',
                  image: args.image.ref,
                  imagePullPolicy: args.image.pullPolicy,
                  command: [...args.contract.entrypoint, 'topics'],
                  env: [...Object.entries(env).map(([name, value]) => ({ name, value })), ...admin.env],
                  securityContext: restrictedContainer(SERVICE_UID),
                  resources: SIZES.topicsJob,
                },
              ],
            }),
          },
        },
      },
      { parent: this, dependsOn: [args.image.ready, args.kafka.statefulSet, admin.secret] },
    );
    this.registerOutputs({});
  }
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 6);
