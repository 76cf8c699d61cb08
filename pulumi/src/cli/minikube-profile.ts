import { readFileSync } from 'node:fs';
import { checkProfile } from '../minikube.js';

/**
 * scripts/minikube-up.sh's look at a profile: reads `minikube profile list -o json` on stdin;
 * prints `STATE METRICS_ADDON` (absent or the profile's status; on or off) and exits 0, or
 * says why the profile cannot host the stack and exits 1. With
 * MINIKUBE_ALLOW_UNENFORCED_POLICIES=1 a profile whose CNI ignores NetworkPolicies is
 * reported and accepted.
 */
function main(): void {
  const [profile, cni] = process.argv.slice(2);
  if (!profile || !cni) {
    process.stderr.write('usage: minikube profile list -o json | minikube-profile.js PROFILE CNI\n');
    process.exit(2);
  }
  const input = readFileSync(0, 'utf8').trim();
  const check = checkProfile(input ? JSON.parse(input) : {}, profile, cni);
  const allowed = process.env.MINIKUBE_ALLOW_UNENFORCED_POLICIES === '1' && check.cni !== null;
  if (check.problem) {
    process.stderr.write(`${check.problem}\n`);
    if (!allowed) process.exit(1);
  }
  process.stdout.write(`${check.state} ${check.metricsAddon ? 'on' : 'off'}\n`);
}

main();
