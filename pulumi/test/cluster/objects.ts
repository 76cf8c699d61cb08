import type { DeclaredResource } from '../support/mocks.js';
import { unwrapSecrets } from '../support/mocks.js';

/** What the cluster would hold: every Kubernetes object the program declared, as applied. */
export interface KubeObject {
  key: string;
  kind: string;
  namespace: string;
  name: string;
  body: any;
}

const KUBE_TYPE = /^kubernetes:([\w.-]+\/)?(v\d\w*):(\w+)$/;

export function kubeObjects(resources: DeclaredResource[]): KubeObject[] {
  return resources
    .filter((r) => r.custom && !r.read && KUBE_TYPE.test(r.type))
    .map((r) => {
      const body = unwrapSecrets(r.inputs);
      return { key: r.key, kind: KUBE_TYPE.exec(r.type)![3]!, namespace: body.metadata?.namespace ?? '', name: body.metadata?.name, body };
    });
}

export const ofKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job'] as const;

/** Deployments, StatefulSets and Jobs: the objects that run pods. */
export const workloads = (objects: KubeObject[]) => objects.filter((o) => (WORKLOAD_KINDS as readonly string[]).includes(o.kind));

export const podSpecOf = (workload: KubeObject) => workload.body.spec.template.spec;
export const podLabelsOf = (workload: KubeObject): Record<string, string> => workload.body.spec.template.metadata?.labels ?? {};
export const replicasOf = (workload: KubeObject): number => (workload.kind === 'Job' ? 1 : (workload.body.spec.replicas ?? 1));

/** The names a workload's pods get: StatefulSet pods are `<name>-<ordinal>`. */
export function podNamesOf(workload: KubeObject): string[] {
  if (workload.kind === 'StatefulSet') return Array.from({ length: replicasOf(workload) }, (_, i) => `${workload.name}-${i}`);
  return [`${workload.name}-pod`];
}

/** A Service's (or NetworkPolicy's) label selector matches these pod labels. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The workloads whose pods a Service selects (same namespace). */
export function selectedWorkloads(service: KubeObject, objects: KubeObject[]): KubeObject[] {
  return workloads(objects).filter((w) => w.namespace === service.namespace && selects(service.body.spec?.selector, podLabelsOf(w)));
}

export const isHeadless = (service: KubeObject) => service.body.spec?.clusterIP === 'None';

/** Every container of a pod spec, init containers first. */
export function containersOf(podSpec: any): { container: any; init: boolean }[] {
  return [
    ...(podSpec.initContainers ?? []).map((container: any) => ({ container, init: true })),
    ...(podSpec.containers ?? []).map((container: any) => ({ container, init: false })),
  ];
}

export function find(objects: KubeObject[], kind: string, namespace: string, name: string): KubeObject | undefined {
  return objects.find((o) => o.kind === kind && o.namespace === namespace && o.name === name);
}
