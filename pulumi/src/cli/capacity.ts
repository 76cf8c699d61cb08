import { readFileSync } from 'node:fs';
import { capacityVerdict, nodeRoom } from '../capacity.js';
import { settingsFromStdin } from './stack-values.js';

/**
 * scripts/kind-up.sh's and minikube-up.sh's check before `pulumi up`: reads `pulumi config
 * --json` on stdin and FILE, the output of `kubectl get nodes,pods --all-namespaces -o json`;
 * prints what the stack requests against what the nodes have free and exits 1 when it
 * does not fit.
 */
function main(): void {
  const [file] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: pulumi config --json | capacity.js KUBECTL_NODES_AND_PODS_JSON\n');
    process.exit(2);
  }
  const verdict = capacityVerdict(settingsFromStdin(), nodeRoom(JSON.parse(readFileSync(file, 'utf8'))));
  for (const line of verdict.lines) process.stdout.write(`${line}\n`);
  process.exit(verdict.fits ? 0 : 1);
}

main();
