/**
 * Stand-ins for the tools the deploy scripts drive (docker, kind, minikube, pulumi, curl),
 * so kind-up.sh and minikube-up.sh run here end to end: each records its arguments and
 * answers from fixtures, the way the real tool's output reads. `pulumi config` keeps the
 * values set in a file and prints them back as `pulumi config --json` does.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';

export interface Fixtures {
  /** `kubectl get nodes,pods --all-namespaces -o json` of the cluster. */
  nodesAndPods: unknown;
  /** `minikube profile list -o json`; absent: minikube has no profile. */
  profiles?: unknown;
  /** `minikube status` succeeds (the profile runs). */
  minikubeRunning?: boolean;
  /** Values already set on the stack. */
  stackConfig?: Record<string, string>;
}

const NODE_HEADER = `#!${process.execPath}\n`;

const TOOL = (name: string) => `${NODE_HEADER}
const fs = require('node:fs');
const dir = ${JSON.stringify('__DIR__')};
const args = process.argv.slice(2);
fs.appendFileSync(dir + '/calls', ${JSON.stringify(name)} + ' ' + args.join(' ') + '\\n');
const fixture = (f) => fs.readFileSync(dir + '/' + f, 'utf8');
const out = (text) => process.stdout.write(text);
const line = args.join(' ');
${BEHAVIOUR[name]}
`;

const BEHAVIOUR: Record<string, string> = {
  docker: `
if (args[0] === 'info') process.exit(0);
if (args[0] === 'exec' && line.includes('kubectl')) { out(fixture('nodes-and-pods.json')); process.exit(0); }
if (args[0] === 'port') { out(fixture('published-ports')); process.exit(0); }
process.exit(0);`,
  kind: `
if (line === 'get clusters') { out('orders\\n'); process.exit(0); }
process.exit(0);`,
  minikube: `
if (line === 'profile list -o json') {
  if (!fs.existsSync(dir + '/profiles.json')) { process.stderr.write('No minikube profile was found.\\n'); process.exit(85); }
  out(fixture('profiles.json')); process.exit(0);
}
if (args[2] === 'status') process.exit(fs.existsSync(dir + '/running') ? 0 : 7);
if (args[2] === 'kubectl') { out(fixture('nodes-and-pods.json')); process.exit(0); }
if (args[2] === 'ip') { out('192.168.49.2\\n'); process.exit(0); }
process.exit(0);`,
  pulumi: `
// The passphrase variables each call ran with, as the real pulumi would read them.
for (const k of ['PULUMI_CONFIG_PASSPHRASE', 'PULUMI_CONFIG_PASSPHRASE_FILE']) {
  if (process.env[k] !== undefined) fs.appendFileSync(dir + '/pulumi-env', k + '=' + process.env[k] + '\\n');
}
const file = dir + '/stack-config.json';
const config = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
if (args[0] === 'config' && args[1] === 'set') {
  config[args[2]] = args[3];
  fs.writeFileSync(file, JSON.stringify(config));
  process.exit(0);
}
if (args[0] === 'config' && args[1] === '--json') {
  const json = {};
  for (const [k, v] of Object.entries(config)) json['order-processing:' + k] = { value: v, secret: false };
  out(JSON.stringify(json)); process.exit(0);
}
if (args[0] === 'stack' && args[1] === 'output') {
  out(args.includes('--json') ? JSON.stringify({ nodePorts: { order: { namespace: 'order', service: 'order-service', port: 3001, nodePort: 30001 } } }) : 'urls\\n');
  process.exit(0);
}
process.exit(0);`,
  curl: `process.exit(0);`,
};

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every call of a stand-in tool, as `tool arg arg …`. */
  calls: string[];
  /** The stand-ins' directory; the file backend's state is under backend/. */
  dir: string;
}

/** Runs scripts/<script> with the stand-ins first on PATH. */
/** Runs a deploy script against the stand-ins; an `env` value of undefined unsets the variable. */
export function runDeployScript(script: string, fixtures: Fixtures, env: Record<string, string | undefined> = {}): ScriptRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-script-'));
  for (const name of Object.keys(BEHAVIOUR)) {
    const file = path.join(dir, name);
    writeFileSync(file, TOOL(name).replace(JSON.stringify('__DIR__'), JSON.stringify(dir)));
    chmodSync(file, 0o755);
  }
  writeFileSync(path.join(dir, 'nodes-and-pods.json'), JSON.stringify(fixtures.nodesAndPods));
  writeFileSync(path.join(dir, 'published-ports'), ['30001', '30002', '30003', '31004', '31008', '31007', '31686'].map((p) => `${p}/tcp -> 127.0.0.1:${p}`).join('\n'));
  if (fixtures.profiles) writeFileSync(path.join(dir, 'profiles.json'), JSON.stringify(fixtures.profiles));
  if (fixtures.minikubeRunning) writeFileSync(path.join(dir, 'running'), '');
  if (fixtures.stackConfig) writeFileSync(path.join(dir, 'stack-config.json'), JSON.stringify(fixtures.stackConfig));
  const result = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', script)], {
    env: Object.fromEntries(
      Object.entries({
        PATH: `${dir}:${path.dirname(process.execPath)}:${process.env.PATH}`,
        PULUMI_CONFIG_PASSPHRASE: 'stand-in',
        PULUMI_BACKEND_URL: `file://${dir}/backend`,
        ...env,
      }).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    encoding: 'utf8',
    timeout: 180000,
  });
  const calls = existsSync(path.join(dir, 'calls')) ? readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls, dir };
}

/** A one-node cluster of `cpus` and `gib` running what `pods` request (kube-system pods, cpu in millicores, memory in MiB). */
export function oneNodeCluster(cpus: number, gib: number, pods: [string, number, number][]): unknown {
  return {
    kind: 'List',
    items: [
      { kind: 'Node', metadata: { name: 'node-0' }, spec: {}, status: { allocatable: { cpu: String(cpus), memory: `${gib * 1024 * 1024}Ki` } } },
      ...pods.map(([name, cpu, memory]) => ({
        kind: 'Pod',
        metadata: { name, namespace: 'kube-system', labels: {} },
        spec: { nodeName: 'node-0', containers: [{ name, resources: { requests: { cpu: `${cpu}m`, memory: `${memory}Mi` } } }] },
        status: { phase: 'Running' },
      })),
    ],
  };
}

/** kubeadm's control plane, on kind and minikube alike. */
const KUBEADM: [string, number, number][] = [
  ['kube-apiserver', 250, 0],
  ['kube-controller-manager', 200, 0],
  ['kube-scheduler', 100, 0],
  ['etcd', 100, 100],
];

/** What a fresh kind node runs: the control plane, kindnet, two CoreDNS. */
export const KIND_CONTROL_PLANE: [string, number, number][] = [...KUBEADM, ['kindnet', 100, 50], ['coredns-1', 100, 70], ['coredns-2', 100, 70]];

/** What minikube with calico runs on its node: the control plane, calico-node, one CoreDNS. */
export const MINIKUBE_CALICO: [string, number, number][] = [...KUBEADM, ['calico-node', 250, 0], ['coredns', 100, 70]];
