/**
 * When `pulumi up` finishes each resource, and whether it can finish at all.
 *
 * Pulumi creates a resource once everything it depends on is done: its `dependsOn` (a
 * component stands for all its descendants) and the resources behind the Outputs among its
 * inputs. The Kubernetes provider (pulumi-kubernetes 4.32.0, provider/pkg/await) then
 * waits before calling it done:
 *   - Deployment, StatefulSet: every replica ready; Job: complete;
 *   - Service with a selector and a cluster IP: its Endpoints have settled (10 s after the
 *     last change) with no pod that is not ready. With no pod selected at all it is called
 *     done after the settle (4.17 and later; earlier versions wait until the timeout);
 *     headless, ExternalName and selector-less Services are done at once;
 *   - everything else this program declares (Namespace, ConfigMap, Opaque Secret,
 *     ServiceAccount on Kubernetes >= 1.24, RBAC, NetworkPolicy): done when created.
 * And a pod only becomes ready, or a Job completes, once what it connects to answers.
 *
 * The model joins the three kinds of waiting into one graph. A cycle in it is a rollout
 * that cannot finish; a Service whose pods can only be created after it is done is one
 * that is called ready without ever having had a pod (blind). Both are errors. Otherwise
 * the longest path to each resource gives the waves of the rollout.
 */
import type { DeclaredResource } from '../support/mocks.js';
import { hostsIn, resolveHost } from './hosts.js';
import { isHeadless, kubeObjects, selectedWorkloads, workloads, type KubeObject } from './objects.js';
import { podsOf, podTexts } from './pods.js';

/** The pulumi-kubernetes release whose await code these rules were read from. */
export const MODELLED_PROVIDER_VERSION = '4.32.0';

export type WaitKind = 'depends on' | 'waits for pods of' | 'connects to' | 'mounts' | 'runs image loaded by';

export interface Wait {
  on: string;
  kind: WaitKind;
}

export interface AwaitGraph {
  nodes: Map<string, DeclaredResource>;
  waits: Map<string, Wait[]>;
  objects: KubeObject[];
  /** StatefulSets whose pods connect to other pods of the same set (e.g. KRaft voters). */
  peerConnected: Set<string>;
}

/** A component stands for every custom resource below it. */
function customResourcesOf(key: string, resources: Map<string, DeclaredResource>, children: Map<string, string[]>): string[] {
  const resource = resources.get(key);
  if (!resource) return [];
  if (resource.custom) return [key];
  return (children.get(key) ?? []).flatMap((child) => customResourcesOf(child, resources, children));
}

export function buildAwaitGraph(resources: DeclaredResource[]): AwaitGraph {
  const byKey = new Map(resources.map((r) => [r.key, r]));
  const children = new Map<string, string[]>();
  for (const r of resources) if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r.key]);
  const objects = kubeObjects(resources);
  const objectByKey = new Map(objects.map((o) => [o.key, o]));
  const provider = resources.find((r) => r.type === 'pulumi:providers:kubernetes');

  const nodes = new Map(resources.filter((r) => r.custom).map((r) => [r.key, r]));
  const waits = new Map<string, Wait[]>();
  const add = (from: string, on: string, kind: WaitKind) => {
    if (from === on) return;
    const list = waits.get(from) ?? [];
    if (!list.some((w) => w.on === on && w.kind === kind)) list.push({ on, kind });
    waits.set(from, list);
  };

  for (const r of nodes.values()) {
    for (const dep of [...r.dependsOn, ...r.inputsFrom]) for (const c of customResourcesOf(dep, byKey, children)) add(r.key, c, 'depends on');
    if (provider && r.type.startsWith('kubernetes:')) add(r.key, provider.key, 'depends on');
  }

  for (const service of objects.filter((o) => o.kind === 'Service')) {
    const spec = service.body.spec ?? {};
    if (isHeadless(service) || spec.type === 'ExternalName' || !spec.selector || Object.keys(spec.selector).length === 0) continue;
    for (const w of selectedWorkloads(service, objects)) add(service.key, w.key, 'waits for pods of');
  }

  const peerConnected = new Set<string>();
  for (const workload of workloads(objects)) {
    const spec = workload.body.spec.template.spec;
    for (const pod of podsOf(objects, workload)) {
      for (const text of podTexts(pod)) {
        for (const reference of hostsIn(text)) {
          const resolution = resolveHost(objects, reference);
          if (resolution.pod && resolution.pod !== pod.name && resolution.workloads[0] === workload) peerConnected.add(workload.key);
          for (const target of resolution.workloads) add(workload.key, target.key, 'connects to');
        }
      }
    }
    for (const volume of spec.volumes ?? []) {
      const name = volume.configMap?.name ?? volume.secret?.secretName;
      const kind = volume.configMap ? 'ConfigMap' : volume.secret ? 'Secret' : undefined;
      const target = kind && objects.find((o) => o.kind === kind && o.namespace === workload.namespace && o.name === name);
      if (target) add(workload.key, target.key, 'mounts');
    }
    for (const { container } of podsOf(objects, workload)[0]!.containers) {
      const refs = [
        ...(container.envFrom ?? []).map((f: any) => (f.configMapRef ? ['ConfigMap', f.configMapRef.name] : ['Secret', f.secretRef.name])),
        ...(container.env ?? []).flatMap((e: any) =>
          e.valueFrom?.secretKeyRef ? [['Secret', e.valueFrom.secretKeyRef.name]] : e.valueFrom?.configMapKeyRef ? [['ConfigMap', e.valueFrom.configMapKeyRef.name]] : [],
        ),
      ];
      for (const [kind, name] of refs) {
        const target = objects.find((o) => o.kind === kind && o.namespace === workload.namespace && o.name === name);
        if (target) add(workload.key, target.key, 'mounts');
      }
      if (container.imagePullPolicy === 'Never') {
        const loader = resources.find((r) => r.type === 'command:local:Command' && String(r.inputs.create ?? '').includes(container.image));
        if (loader) add(workload.key, loader.key, 'runs image loaded by');
      }
    }
  }
  for (const key of waits.keys()) if (!nodes.has(key) && !objectByKey.has(key)) waits.delete(key);
  return { nodes, waits, objects, peerConnected };
}

const label = (graph: AwaitGraph, key: string) => {
  const o = graph.objects.find((x) => x.key === key);
  if (o) return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
  const r = graph.nodes.get(key);
  return r ? `${r.type.split(':').pop()} ${r.name}` : key;
};

/** Every cycle of waiting (each reported once), as readable chains. */
export function waitCycles(graph: AwaitGraph): string[] {
  const cycles: string[] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: { key: string; kind?: WaitKind }[] = [];
  const visit = (key: string, kind?: WaitKind) => {
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'open') {
      const start = stack.findIndex((s) => s.key === key);
      const loop = [...stack.slice(start), { key, kind }];
      const id = loop.map((s) => s.key).slice(0, -1).sort().join('|');
      if (!seen.has(id)) {
        seen.add(id);
        cycles.push(loop.map((s, i) => (i === 0 ? label(graph, s.key) : `${s.kind} ${label(graph, s.key)}`)).join(' → '));
      }
      return;
    }
    state.set(key, 'open');
    stack.push({ key, ...(kind ? { kind } : {}) });
    for (const w of graph.waits.get(key) ?? []) visit(w.on, w.kind);
    stack.pop();
    state.set(key, 'done');
  };
  for (const key of graph.nodes.keys()) visit(key);
  return cycles;
}

/**
 * Services the provider would call ready without having seen a pod: their selected pods
 * can only be created after the Service is done.
 */
export function blindServices(graph: AwaitGraph): string[] {
  const dependsTransitively = (from: string, target: string, seen = new Set<string>()): boolean => {
    if (from === target) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (graph.waits.get(from) ?? []).filter((w) => w.kind === 'depends on').some((w) => dependsTransitively(w.on, target, seen));
  };
  return graph.objects
    .filter((o) => o.kind === 'Service')
    .flatMap((service) =>
      (graph.waits.get(service.key) ?? [])
        .filter((w) => w.kind === 'waits for pods of' && dependsTransitively(w.on, service.key))
        .map((w) => `${label(graph, service.key)} selects the pods of ${label(graph, w.on)}, which is only created after the Service is done`),
    );
}

/** Wave n holds what finishes once everything in waves 1 … n-1 has. */
export function rolloutWaves(graph: AwaitGraph): string[][] {
  const level = new Map<string, number>();
  const levelOf = (key: string, path = new Set<string>()): number => {
    const known = level.get(key);
    if (known !== undefined) return known;
    if (path.has(key)) throw new Error(`cycle through ${label(graph, key)}`);
    path.add(key);
    const value = 1 + Math.max(0, ...(graph.waits.get(key) ?? []).map((w) => levelOf(w.on, path)));
    path.delete(key);
    level.set(key, value);
    return value;
  };
  const waves: string[][] = [];
  for (const key of graph.nodes.keys()) {
    const n = levelOf(key);
    (waves[n - 1] ??= []).push(label(graph, key));
  }
  return waves.map((w) => w.sort());
}
