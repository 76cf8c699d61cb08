/**
 * In-cluster names, resolved the way cluster DNS does: `<service>.<namespace>.svc.cluster.local`
 * is a Service; `<pod>.<service>.<namespace>.svc.cluster.local` is a pod of a StatefulSet
 * whose `serviceName` is that (headless) Service. A name that resolves to nothing, or a port
 * that the Service or pod does not have, is an error the test reports.
 */
import { find, isHeadless, ofKind, podLabelsOf, podNamesOf, podSpecOf, selectedWorkloads, selects, type KubeObject } from './objects.js';

export const CLUSTER_DOMAIN = 'svc.cluster.local';
const HOST = /\b((?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\.)+svc\.cluster\.local)(?::(\d+))?/g;

export interface HostReference {
  host: string;
  port?: number;
}

/** Every in-cluster host name (with its port, when written as host:port) in a text. */
export function hostsIn(text: string): HostReference[] {
  return [...text.matchAll(HOST)].map((m) => ({ host: m[1]!, ...(m[2] ? { port: Number(m[2]) } : {}) }));
}

export interface Resolution {
  service: KubeObject;
  /** The workloads whose pods answer. */
  workloads: KubeObject[];
  /** The pod, for a per-pod name. */
  pod?: string;
  /** The container port the connection reaches, when a port was given. */
  containerPort?: number;
}

/** The container ports (by number and name) the pods of a workload declare. */
function declaredPorts(workload: KubeObject): { name?: string; containerPort: number }[] {
  return (podSpecOf(workload).containers ?? []).flatMap((c: any) => c.ports ?? []);
}

export function resolveHost(objects: KubeObject[], reference: HostReference): Resolution {
  const labels = reference.host.slice(0, -(CLUSTER_DOMAIN.length + 1)).split('.');
  if (labels.length !== 2 && labels.length !== 3) throw new Error(`${reference.host}: not a Service or pod name`);
  const [pod, serviceName, namespace] = labels.length === 3 ? labels : [undefined, ...labels];
  const service = find(objects, 'Service', namespace!, serviceName!);
  if (!service) throw new Error(`${reference.host}: no Service ${serviceName} in namespace ${namespace}`);
  let targets = selectedWorkloads(service, objects);
  if (pod !== undefined) {
    if (!isHeadless(service)) throw new Error(`${reference.host}: per-pod names need a headless Service, ${serviceName} has a cluster IP`);
    const owner = ofKind(objects, 'StatefulSet').find(
      (s) => s.namespace === namespace && s.body.spec.serviceName === serviceName && podNamesOf(s).includes(pod),
    );
    if (!owner) throw new Error(`${reference.host}: no StatefulSet in ${namespace} with serviceName ${serviceName} has a pod ${pod}`);
    if (!selects(service.body.spec.selector, podLabelsOf(owner))) throw new Error(`${reference.host}: Service ${serviceName} does not select ${pod}`);
    targets = [owner];
  }
  if (targets.length === 0) throw new Error(`${reference.host}: Service ${serviceName} selects no pods`);
  const resolution: Resolution = { service, workloads: targets, ...(pod ? { pod } : {}) };
  if (reference.port === undefined) return resolution;

  let targetPort: number | string = reference.port;
  if (!isHeadless(service)) {
    const servicePort = (service.body.spec.ports ?? []).find((p: any) => p.port === reference.port);
    if (!servicePort) throw new Error(`${reference.host}:${reference.port}: Service ${serviceName} has no port ${reference.port}`);
    targetPort = servicePort.targetPort ?? servicePort.port;
  }
  for (const workload of targets) {
    const port = declaredPorts(workload).find((p) => p.containerPort === targetPort || p.name === targetPort);
    if (!port) throw new Error(`${reference.host}:${reference.port}: pods of ${workload.kind} ${workload.name} declare no port ${targetPort}`);
    resolution.containerPort = port.containerPort;
  }
  return resolution;
}
