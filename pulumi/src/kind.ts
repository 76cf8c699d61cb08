import { stringify } from 'yaml';
import { NODE_PORT_KEYS, type Settings } from './settings/stack-settings.js';

export { NODE_PORT_KEYS } from './settings/stack-settings.js';

/** Where kind publishes NodePorts on the host: loopback only, so nothing is reachable from the network. */
export const KIND_LISTEN_ADDRESS = '127.0.0.1';

export interface PortMapping {
  containerPort: number;
  hostPort: number;
  listenAddress: string;
  protocol: 'TCP';
}

/** The host port mappings a kind cluster needs for the stack's NodePorts. */
export function kindPortMappings(settings: Pick<Settings, keyof typeof NODE_PORT_KEYS>): PortMapping[] {
  return Object.keys(NODE_PORT_KEYS).map((key) => {
    const port = settings[key as keyof typeof NODE_PORT_KEYS];
    return { containerPort: port, hostPort: port, listenAddress: KIND_LISTEN_ADDRESS, protocol: 'TCP' };
  });
}

/** The kind cluster configuration (YAML) for a stack: one node, its NodePorts on the host's 127.0.0.1. */
export function kindClusterConfig(settings: Pick<Settings, 'kindClusterName' | keyof typeof NODE_PORT_KEYS>): string {
  const labels = Object.values(NODE_PORT_KEYS);
  const body = stringify(
    {
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      name: settings.kindClusterName,
      nodes: [{ role: 'control-plane', extraPortMappings: kindPortMappings(settings) }],
    },
    { flowCollectionPadding: true },
  );
  return [
    '# The kind cluster of a stack: one node; its NodePorts answer on the host\'s 127.0.0.1 only.',
    `# Generated from the stack's NodePorts (${labels.join(', ')}) by scripts/kind-up.sh;`,
    '# this copy holds the defaults of Pulumi.yaml.',
    body,
  ].join('\n');
}
