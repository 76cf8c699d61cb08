/**
 * NetworkPolicy semantics (networking.k8s.io/v1), as a CNI that enforces them applies them:
 * a pod is isolated for a direction once any policy of its namespace selects it with that
 * direction in `policyTypes`; an isolated pod's traffic in that direction passes only if
 * some selecting policy has a rule whose peers and ports match. A connection needs both the
 * source's egress and the destination's ingress. Traffic from the pod's own node (the
 * kubelet's probes) is outside policies and not modelled here.
 */
import { ofKind, type KubeObject } from './objects.js';

/** One end of a connection: a pod (namespace and labels) or an address outside the pods. */
export type Party = { kind: 'pod'; namespace: string; labels: Record<string, string>; ip: string } | { kind: 'address'; ip: string };

export interface Connection {
  from: Party;
  to: Party;
  port: number;
  /** The destination container's name for the port, for policies that name ports. */
  portName?: string;
  protocol?: 'TCP' | 'UDP';
}

/** Label selector semantics: an empty selector selects everything. */
function matches(selector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined, labels: Record<string, string>): boolean {
  if (selector?.matchExpressions?.length) throw new Error('matchExpressions are not modelled');
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function namespaceLabels(objects: KubeObject[], name: string): Record<string, string> {
  const declared = ofKind(objects, 'Namespace').find((n) => n.name === name)?.body.metadata.labels ?? {};
  // The API server labels every namespace with its name.
  return { ...declared, 'kubernetes.io/metadata.name': name };
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/') as [string, string];
  const toNumber = (a: string) => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const size = 32 - Number(bits);
  return Math.floor(toNumber(ip) / 2 ** size) === Math.floor(toNumber(base) / 2 ** size);
}

function peerMatches(objects: KubeObject[], policyNamespace: string, peer: any, party: Party): boolean {
  if (peer.ipBlock) {
    return ipInCidr(party.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => ipInCidr(party.ip, c));
  }
  if (party.kind !== 'pod') return false;
  const namespaceOk = peer.namespaceSelector ? matches(peer.namespaceSelector, namespaceLabels(objects, party.namespace)) : party.namespace === policyNamespace;
  const podOk = peer.podSelector ? matches(peer.podSelector, party.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(rulePorts: any[] | undefined, connection: Connection): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some(
    (p) =>
      (p.protocol ?? 'TCP') === (connection.protocol ?? 'TCP') &&
      (p.port === undefined || p.port === connection.port || (typeof p.port === 'string' && p.port === connection.portName)),
  );
}

function directionAllows(objects: KubeObject[], direction: 'Ingress' | 'Egress', pod: Party, other: Party, connection: Connection): boolean {
  if (pod.kind !== 'pod') return true;
  const selecting = ofKind(objects, 'NetworkPolicy').filter((p) => {
    const types: string[] = p.body.spec.policyTypes ?? (p.body.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return p.namespace === pod.namespace && types.includes(direction) && matches(p.body.spec.podSelector, pod.labels);
  });
  if (selecting.length === 0) return true;
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const peersKey = direction === 'Ingress' ? 'from' : 'to';
  return selecting.some((p) =>
    (p.body.spec[key] ?? []).some(
      (rule: any) => (!rule[peersKey] || rule[peersKey].some((peer: any) => peerMatches(objects, p.namespace, peer, other))) && portMatches(rule.ports, connection),
    ),
  );
}

/** Whether the cluster lets the connection through. */
export function allows(objects: KubeObject[], connection: Connection): boolean {
  return (
    directionAllows(objects, 'Egress', connection.from, connection.to, connection) && directionAllows(objects, 'Ingress', connection.to, connection.from, connection)
  );
}
