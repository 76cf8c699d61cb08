import { createHash } from 'node:crypto';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ServiceContract } from '@orders/shared';
import { labels, podSecurity, podSpec, resources, restrictedContainer } from '../k8s.js';
import { SERVICE_UID } from './microservice.js';
import type { ServiceImage } from './service-image.js';

export interface KafkaTopicsArgs {
  namespace: pulumi.Input<string>;
  /** Any service image: every one has the `topics` command. */
  image: ServiceImage;
  contract: ServiceContract;
  env: Record<string, string>;
  dependsOn: pulumi.Resource[];
}

/** A Job that creates the saga topics and their .dlq topics before any service starts. */
export class KafkaTopics extends pulumi.ComponentResource {
  readonly job: k8s.batch.v1.Job;
  readonly podLabels: Record<string, string>;

  constructor(name: string, args: KafkaTopicsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:messaging:KafkaTopics', name, {}, opts);
    this.podLabels = labels(name, 'kafka-topics');
    const settings = Object.entries(args.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    this.job = new k8s.batch.v1.Job(
      name,
      {
        metadata: {
          // A change of topic settings or image is a new Job run.
          name: `${name}-${args.image.tag.slice(0, 6)}-${hash(settings)}`,
          namespace: args.namespace,
          labels: this.podLabels,
        },
        spec: {
          backoffLimit: 10,
          template: {
            metadata: { labels: this.podLabels },
            spec: podSpec({
              restartPolicy: 'OnFailure',
              securityContext: podSecurity(SERVICE_UID),
              containers: [
                {
                  name: 'create-topics',
                  image: args.image.ref,
                  imagePullPolicy: args.image.pullPolicy,
                  command: [...args.contract.entrypoint, 'topics'],
                  env: Object.entries(args.env).map(([name, value]) => ({ name, value })),
                  securityContext: restrictedContainer(SERVICE_UID),
                  resources: resources('50m', '64Mi', '500m', '256Mi'),
                },
              ],
            }),
          },
        },
      },
      { parent: this, dependsOn: [args.image.ready, ...args.dependsOn] },
    );
    this.registerOutputs({});
  }
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 6);
