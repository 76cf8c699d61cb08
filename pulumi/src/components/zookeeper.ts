import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { labels, volumeClaim, type NamespaceRef } from '../k8s.js';
import { allowConnections, type Pods } from '../network.js';
import { SIZES } from '../sizing.js';
import { nodeTemplate, ZOOKEEPER_PORT, type NodeFiles } from './kafka-node.js';

export interface ZooKeeperArgs {
  namespace: NamespaceRef;
  image: string;
  storage: string;
  storageClass: string;
  files: NodeFiles;
  /** The pods that use it: the brokers. */
  clients: Pods;
  /** Done first: the ConfigMap of the files. */
  after: pulumi.Resource[];
}

/**
 * One ZooKeeper for the brokers of ZooKeeper mode, started from the rendered
 * zookeeper.properties by the same script as the brokers, behind a headless Service;
 * ready when it answers `ruok` (allowed by the rendered 4lw.commands.whitelist).
 */
export class ZooKeeper extends pulumi.ComponentResource {
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly podLabels: Record<string, string>;

  constructor(name: string, args: ZooKeeperArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:messaging:ZooKeeper', name, {}, opts);
    // Its objects were the Kafka component's before it had one of its own: the stack's state keeps them.
    const child = { parent: this, aliases: opts?.parent ? [{ parent: opts.parent }] : [] };
    this.podLabels = labels(name, 'coordination');
    const metadata = { name, namespace: args.namespace.ready, labels: this.podLabels };
    const service = new k8s.core.v1.Service(
      name,
      { metadata, spec: { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'client', port: ZOOKEEPER_PORT }] } },
      child,
    );
    const ruok = ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${ZOOKEEPER_PORT} && printf ruok >&3 && grep -q imok <&3`];
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      name,
      {
        metadata,
        spec: {
          serviceName: name,
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: nodeTemplate(args.files, 'zookeeper', 'zookeeper.properties', this.podLabels, {
            name: 'zookeeper',
            image: args.image,
            heap: '-Xms64m -Xmx192m',
            dataPath: '/var/lib/zookeeper',
            ports: [{ name: 'client', containerPort: ZOOKEEPER_PORT }],
            resources: SIZES.zookeeper,
            readinessProbe: { exec: { command: ruok }, periodSeconds: 5, timeoutSeconds: 3 },
            livenessProbe: { exec: { command: ruok }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5 },
          }),
          volumeClaimTemplates: [volumeClaim('data', args.storage, args.storageClass)],
        },
      },
      { ...child, dependsOn: [service, ...args.after] },
    );
    allowConnections('zookeeper-ingress', { namespace: args.namespace, app: name }, [args.clients], [ZOOKEEPER_PORT], child);
    this.registerOutputs({});
  }
}
