import { readFileSync } from 'node:fs';
import { kindClusterConfig, kindPortMappings } from '../kind.js';
import { settingsFromStdin } from './stack-values.js';

/**
 * scripts/kind-up.sh's view of a stack: reads `pulumi config --json` on stdin (the values
 * set on the stack; Pulumi.yaml gives the rest) and
 *   yaml          prints the kind cluster configuration for its NodePorts
 *   verify FILE   checks FILE, the output of `docker port <node>`, publishes every NodePort
 *                 on 127.0.0.1; names each one missing and exits 1 if any is
 */
function main(): void {
  const [mode, file] = process.argv.slice(2);
  if (mode !== 'yaml' && !(mode === 'verify' && file)) {
    process.stderr.write('usage: pulumi config --json | kind-config.js yaml | verify DOCKER_PORT_OUTPUT\n');
    process.exit(2);
  }
  const settings = settingsFromStdin();
  if (mode === 'yaml') {
    process.stdout.write(kindClusterConfig(settings));
    return;
  }
  const published = new Set(
    readFileSync(file!, 'utf8')
      .split('\n')
      .map((line) => /^(\d+)\/tcp -> (.+):(\d+)$/.exec(line.trim()))
      .filter((m) => m !== null)
      .map((m) => `${m[1]} ${m[2]}:${m[3]}`),
  );
  const missing = kindPortMappings(settings).filter((m) => !published.has(`${m.containerPort} ${m.listenAddress}:${m.hostPort}`));
  for (const m of missing) process.stdout.write(`NodePort ${m.containerPort} is not published on ${m.listenAddress}:${m.hostPort}\n`);
  process.exit(missing.length > 0 ? 1 : 0);
}

main();
