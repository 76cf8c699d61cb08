import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { labels } from '../k8s.js';
import { ZOOKEEPER_PORT } from './kafka.js';

export interface DatabaseAccess {
  namespace: pulumi.Input<string>;
  namespaceName: string;
  /** Selector label `app` of the database pods, the service pods and the migration Job pods. */
  databaseApp: string;
  clientApps: string[];
  port: number;
}

export interface KafkaAccess {
  namespace: pulumi.Input<string>;
  kafkaApp: string;
  zookeeperApp: string | null;
  ports: number[];
  /** Namespaces and `app` labels of the services that may connect. */
  clients: { namespaceName: string; app: string }[];
  /** `app` labels of pods in the Kafka namespace that may connect (brokers, topic Job, Kafka UI). */
  localApps: string[];
}

const byName = (namespace: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': namespace } });

/**
 * Ingress rules: each database only from its service and its migration Job; Kafka only
 * from the services, the topic Job, Kafka UI and the other brokers; ZooKeeper only from
 * the brokers.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: { databases: DatabaseAccess[]; kafka: KafkaAccess }, opts?: pulumi.ComponentResourceOptions) {
    super('orders:security:NetworkPolicies', name, {}, opts);
    const meta = (policy: string, namespace: pulumi.Input<string>) => ({
      name: policy,
      namespace,
      labels: labels(policy, 'network-policy'),
    });

    for (const db of args.databases) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${db.databaseApp}`,
        {
          metadata: meta(`${db.databaseApp}-ingress`, db.namespace),
          spec: {
            podSelector: { matchLabels: { app: db.databaseApp } },
            policyTypes: ['Ingress'],
            ingress: [
              {
                from: db.clientApps.map((app) => ({ podSelector: { matchLabels: { app } } })),
                ports: [{ protocol: 'TCP', port: db.port }],
              },
            ],
          },
        },
        { parent: this },
      );
    }

    const { kafka } = args;
    new k8s.networking.v1.NetworkPolicy(
      `${name}-kafka`,
      {
        metadata: meta('kafka-ingress', kafka.namespace),
        spec: {
          podSelector: { matchLabels: { app: kafka.kafkaApp } },
          policyTypes: ['Ingress'],
          ingress: [
            {
              from: [
                ...kafka.clients.map((c) => ({ namespaceSelector: byName(c.namespaceName), podSelector: { matchLabels: { app: c.app } } })),
                ...kafka.localApps.map((app) => ({ podSelector: { matchLabels: { app } } })),
              ],
              ports: kafka.ports.map((port) => ({ protocol: 'TCP', port })),
            },
          ],
        },
      },
      { parent: this },
    );
    if (kafka.zookeeperApp) {
      new k8s.networking.v1.NetworkPolicy(
        `${name}-zookeeper`,
        {
          metadata: meta('zookeeper-ingress', kafka.namespace),
          spec: {
            podSelector: { matchLabels: { app: kafka.zookeeperApp } },
            policyTypes: ['Ingress'],
            ingress: [{ from: [{ podSelector: { matchLabels: { app: kafka.kafkaApp } } }], ports: [{ protocol: 'TCP', port: ZOOKEEPER_PORT }] }],
          },
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
