import type { Settings } from './settings/stack-settings.js';
import { PART_OF } from './k8s.js';
import { parseCpuMilli, parseQuantityMi } from './quantity.js';
import { stackFootprint, type Requests, type StackFootprint } from './sizing.js';

/**
 * Whether a stack fits a node: what its pods request (sizing.ts) against what the node can
 * still give (its allocatable less what the pods already on it request), as the scheduler
 * counts it. kind-up.sh and minikube-up.sh check it before `pulumi up`; the README's minimum
 * node sizes are computed here.
 */

/** What the cluster itself runs on a fresh node, by the requests of its pods. */
export const CONTROL_PLANE = {
  /**
   * kind 0.24 to 0.32, one node: kube-apiserver 250m, kube-controller-manager 200m,
   * kube-scheduler 100m, etcd 100m + 100Mi (kubeadm's static pod manifests), kindnet
   * 100m + 50Mi (kind pkg/build/nodeimage/const_cni.go), two CoreDNS at 100m + 70Mi
   * (kubeadm's DNS addon); kube-proxy and local-path-provisioner request nothing.
   */
  kind: { cpuMilli: 950, memoryMi: 290 },
  /**
   * minikube 1.38 started by minikube-up.sh (--cni=calico): the same control plane, one
   * CoreDNS (minikube scales it to one, pkg/minikube/node/start.go), calico-node 250m
   * (pkg/minikube/cni/calico.yaml); storage-provisioner requests nothing.
   */
  minikube: { cpuMilli: 1000, memoryMi: 170 },
} as const satisfies Record<string, Requests>;

/** kind and minikube leave all of a node's CPU and memory allocatable (no reservations; eviction thresholds only on disk). */
export type NodeSize = { cpus: number; memoryGiB: number };

/** The smallest node (whole CPUs, memory in steps of half a GiB) that holds a stack's rollout peak beside the control plane. */
export function minimumNode(footprint: StackFootprint, flavour: keyof typeof CONTROL_PLANE): NodeSize {
  const cluster = CONTROL_PLANE[flavour];
  return {
    cpus: Math.ceil((footprint.peak.cpuMilli + cluster.cpuMilli) / 1000),
    memoryGiB: Math.ceil(((footprint.peak.memoryMi + cluster.memoryMi) / 1024) * 2) / 2,
  };
}

/** A variant in words: what decides its size. */
export function variantOf(settings: Settings): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [
    settings.kafkaMode === 'zookeeper' ? 'ZooKeeper mode' : 'KRaft mode',
    plural(settings.kafkaBrokers, 'broker'),
    `${plural(settings.serviceReplicas, 'replica')} of each service`,
    settings.tracing ? 'tracing' : 'no tracing',
    settings.metricsServer ? 'metrics-server' : 'no metrics-server',
  ].join(', ');
}

/** A pod's requests as the scheduler counts them: its containers' sum, or its largest init container if that is more, plus overhead. */
export function podRequests(spec: any): Requests {
  const of = (c: any): Requests => ({
    cpuMilli: c.resources?.requests?.cpu ? parseCpuMilli(String(c.resources.requests.cpu)) : 0,
    memoryMi: c.resources?.requests?.memory ? parseQuantityMi(String(c.resources.requests.memory)) : 0,
  });
  const app = (spec.containers ?? []).map(of);
  const init = (spec.initContainers ?? []).map(of);
  const overhead = of({ resources: { requests: spec.overhead ?? {} } });
  const pick = (key: keyof Requests) =>
    Math.max(
      app.reduce((sum: number, r: Requests) => sum + r[key], 0),
      ...init.map((r: Requests) => r[key]),
    ) + overhead[key];
  return { cpuMilli: pick('cpuMilli'), memoryMi: pick('memoryMi') };
}

export interface NodeRoom {
  name: string;
  allocatable: Requests;
  /** Requested by the pods on it that are not the stack's own. */
  used: Requests;
  free: Requests;
}

/**
 * What each schedulable node has left for the stack, from `kubectl get nodes,pods -A -o json`:
 * its allocatable less the requests of the pods bound to it that are still running or
 * waiting to, the stack's own left out (a re-run of `pulumi up` replaces them).
 */
export function nodeRoom(list: { items: any[] }): NodeRoom[] {
  const nodes = list.items.filter(
    (i) => i.kind === 'Node' && !i.spec?.unschedulable && !(i.spec?.taints ?? []).some((t: any) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
  );
  const pods = list.items.filter(
    (i) => i.kind === 'Pod' && !['Succeeded', 'Failed'].includes(i.status?.phase) && i.metadata?.labels?.['app.kubernetes.io/part-of'] !== PART_OF,
  );
  return nodes.map((node) => {
    const allocatable = {
      cpuMilli: parseCpuMilli(String(node.status.allocatable.cpu)),
      memoryMi: parseQuantityMi(String(node.status.allocatable.memory)),
    };
    // A pod not yet bound counts against the only node there is.
    const mine = pods.filter((p) => p.spec?.nodeName === node.metadata.name || (!p.spec?.nodeName && nodes.length === 1));
    const used = mine.map((p) => podRequests(p.spec)).reduce((a, b) => ({ cpuMilli: a.cpuMilli + b.cpuMilli, memoryMi: a.memoryMi + b.memoryMi }), { cpuMilli: 0, memoryMi: 0 });
    return { name: node.metadata.name, allocatable, used, free: { cpuMilli: allocatable.cpuMilli - used.cpuMilli, memoryMi: allocatable.memoryMi - used.memoryMi } };
  });
}

/** Millicores and mebibytes as the messages and the docs write them: 1,210m, 4,032 MiB. */
export const cpu = (milli: number): string => `${Math.round(milli).toLocaleString('en-US')}m`;
export const mib = (mi: number): string => `${Math.round(mi).toLocaleString('en-US')} MiB`;

export interface Verdict {
  fits: boolean;
  lines: string[];
}

/** Whether the stack's rollout peak fits what the nodes have left; every figure said. */
export function capacityVerdict(settings: Settings, rooms: NodeRoom[]): Verdict {
  const footprint = stackFootprint(settings);
  const free = rooms.reduce((a, r) => ({ cpuMilli: a.cpuMilli + r.free.cpuMilli, memoryMi: a.memoryMi + r.free.memoryMi }), { cpuMilli: 0, memoryMi: 0 });
  const short = { cpuMilli: footprint.peak.cpuMilli - free.cpuMilli, memoryMi: footprint.peak.memoryMi - free.memoryMi };
  const lines = [
    `the stack (${variantOf(settings)}) requests ${cpu(footprint.steady.cpuMilli)} CPU and ${mib(footprint.steady.memoryMi)} running, ` +
      `${cpu(footprint.peak.cpuMilli)} and ${mib(footprint.peak.memoryMi)} while a pulumi up rolls the services`,
    ...rooms.map(
      (r) =>
        `node ${r.name}: allocatable ${cpu(r.allocatable.cpuMilli)}, ${mib(r.allocatable.memoryMi)}; ` +
        `other pods request ${cpu(r.used.cpuMilli)}, ${mib(r.used.memoryMi)}; free ${cpu(r.free.cpuMilli)}, ${mib(r.free.memoryMi)}`,
    ),
  ];
  const fits = rooms.length > 0 && short.cpuMilli <= 0 && short.memoryMi <= 0;
  if (!fits) {
    const missing = [short.cpuMilli > 0 ? `${cpu(short.cpuMilli)} CPU` : '', short.memoryMi > 0 ? mib(short.memoryMi) : ''].filter(Boolean).join(' and ');
    lines.push(
      rooms.length === 0
        ? 'no schedulable node'
        : `does not fit: ${missing} short. Pods would stay Pending and pulumi up would time out. Give the node more ` +
            `(kind: the CPUs and memory of Docker's machine; minikube: --cpus and --memory of a new profile), or ask for less ` +
            `(kafkaBrokers, serviceReplicas, tracing, serviceCpuRequest, serviceMemoryRequest).`,
    );
  }
  return { fits, lines };
}

/** Nodes the README names, as the scheduler sees them: allocatable, and what the cluster runs on it. */
export const DOCUMENTED_NODES = [
  { name: 'kind, a 2-CPU 4 GiB Docker machine', flavour: 'kind', allocatable: { cpuMilli: 2000, memoryMi: 4096 } },
  { name: 'kind, a 4-CPU 8 GiB Docker machine', flavour: 'kind', allocatable: { cpuMilli: 4000, memoryMi: 8192 } },
  { name: 'minikube as minikube-up.sh creates it (--cpus 4 --memory 6g --cni=calico)', flavour: 'minikube', allocatable: { cpuMilli: 4000, memoryMi: 6144 } },
] as const satisfies readonly { name: string; flavour: keyof typeof CONTROL_PLANE; allocatable: Requests }[];

/** Whether a stack's rollout peak fits a documented node beside its control plane. */
export function fitsNode(footprint: StackFootprint, node: (typeof DOCUMENTED_NODES)[number]): boolean {
  const cluster = CONTROL_PLANE[node.flavour];
  return (
    footprint.peak.cpuMilli + cluster.cpuMilli <= node.allocatable.cpuMilli && footprint.peak.memoryMi + cluster.memoryMi <= node.allocatable.memoryMi
  );
}
