import { readFileSync } from 'node:fs';
import type { NodePortEndpoint } from '../k8s.js';

/**
 * Reads `pulumi stack output --json` on stdin and prints one line per NodePort Service:
 *   <name> <namespace> <service> <port> <nodePort>
 * scripts/minikube-up.sh forwards each to 127.0.0.1:<nodePort> where the node IP is not
 * reachable from the host.
 */
const outputs = JSON.parse(readFileSync(0, 'utf8')) as { nodePorts?: Record<string, NodePortEndpoint> };
if (!outputs.nodePorts) {
  process.stderr.write('node-ports.js: the stack has no nodePorts output (run pulumi up first)\n');
  process.exit(1);
}
for (const [name, e] of Object.entries(outputs.nodePorts)) process.stdout.write(`${name} ${e.namespace} ${e.service} ${e.port} ${e.nodePort}\n`);
