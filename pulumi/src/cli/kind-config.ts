import { readFileSync } from 'node:fs';
import { parseSettings } from '../config.js';
import { kindClusterConfig, kindPortMappings } from '../kind.js';

/**
 * scripts/kind-up.sh's view of a stack: reads `pulumi config --json` on stdin (the values
 * set on the stack; Pulumi.yaml gives the rest) and prints
 *   yaml     the kind cluster configuration for its NodePorts
 *   ports    one `containerPort hostAddress:hostPort` line per NodePort mapping
 */
function main(): void {
  const mode = process.argv[2];
  if (mode !== 'yaml' && mode !== 'ports') {
    process.stderr.write('usage: pulumi config --json | kind-config.js yaml|ports\n');
    process.exit(2);
  }
  const input = readFileSync(0, 'utf8').trim();
  const stack = (input ? JSON.parse(input) : {}) as Record<string, { value?: string; secret?: boolean }>;
  const values: Record<string, string> = {};
  for (const [key, entry] of Object.entries(stack)) {
    const [namespace, name] = key.split(':');
    if (namespace === 'order-processing' && name && !entry.secret && entry.value !== undefined) values[name] = entry.value;
  }
  const settings = parseSettings(values);
  if (mode === 'yaml') process.stdout.write(kindClusterConfig(settings));
  else for (const m of kindPortMappings(settings)) process.stdout.write(`${m.containerPort} ${m.listenAddress}:${m.hostPort}\n`);
}

main();
