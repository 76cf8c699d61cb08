import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import { labels, type NamespaceRef } from './k8s.js';

/**
 * Network policies: every namespace of the stack denies all traffic in and out except DNS
 * lookups, and each flow the system uses is allowed on both ends (an ingress policy at the
 * pods that serve it, an egress policy at the pods that open it). Traffic from a pod's own
 * node (the kubelet's probes) is never subject to policies.
 */

/** Pods of one `app` label in one namespace: they open or serve connections. */
export interface Pods {
  namespace: NamespaceRef;
  app: string;
}

const DNS = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, port: 53 };

const tcp = (ports: readonly number[]) => ports.map((port) => ({ protocol: 'TCP', port }));

/** How pods in `fromNamespace` name `pods` in a policy. */
function peer(fromNamespace: string, pods: Pods) {
  return {
    ...(pods.namespace.name === fromNamespace ? {} : { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': pods.namespace.name } } }),
    podSelector: { matchLabels: { app: pods.app } },
  };
}

function policy(name: string, namespace: NamespaceRef, spec: k8s.types.input.networking.v1.NetworkPolicySpec, opts: pulumi.CustomResourceOptions) {
  return new k8s.networking.v1.NetworkPolicy(name, { metadata: { name, namespace: namespace.ready, labels: labels(name, 'network-policy') }, spec }, opts);
}

/** A namespace's starting point: nothing in or out, but DNS lookups. */
export function namespaceBaseline(namespace: NamespaceRef, opts: pulumi.CustomResourceOptions): void {
  policy(`${namespace.name}-deny-all`, namespace, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, opts);
  policy(
    `${namespace.name}-dns`,
    namespace,
    {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': DNS.namespace } }, podSelector: { matchLabels: DNS.labels } }],
          ports: [
            { protocol: 'UDP', port: DNS.port },
            { protocol: 'TCP', port: DNS.port },
          ],
        },
      ],
    },
    opts,
  );
}

/** Lets `clients` open connections to `server` on `ports`; `name` names the server's side. */
export function allowConnections(
  name: string,
  server: Pods,
  clients: readonly Pods[],
  ports: readonly number[],
  opts: pulumi.CustomResourceOptions,
): void {
  if (clients.length === 0) return;
  policy(
    name,
    server.namespace,
    {
      podSelector: { matchLabels: { app: server.app } },
      policyTypes: ['Ingress'],
      ingress: [{ from: clients.map((c) => peer(server.namespace.name, c)), ports: tcp(ports) }],
    },
    opts,
  );
  for (const client of clients) {
    policy(
      `${client.app}-to-${server.app}`,
      client.namespace,
      {
        podSelector: { matchLabels: { app: client.app } },
        policyTypes: ['Egress'],
        egress: [{ to: [peer(client.namespace.name, server)], ports: tcp(ports) }],
      },
      opts,
    );
  }
}

/** Lets anyone reach `pods` on `ports`: what a NodePort publishes (node traffic may come from any address). */
export function allowFromAnywhere(pods: Pods, ports: readonly number[], opts: pulumi.CustomResourceOptions): void {
  policy(
    `${pods.app}-public`,
    pods.namespace,
    { podSelector: { matchLabels: { app: pods.app } }, policyTypes: ['Ingress'], ingress: [{ ports: tcp(ports) }] },
    opts,
  );
}

/** Lets `pods` reach every node's kubelet on its port (10250): node addresses are not known in advance. */
export function allowKubelets(pods: Pods, opts: pulumi.CustomResourceOptions): void {
  policy(
    `${pods.app}-to-kubelets`,
    pods.namespace,
    {
      podSelector: { matchLabels: { app: pods.app } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp([KUBELET_PORT]) }],
    },
    opts,
  );
}

export const KUBELET_PORT = 10250;

/**
 * Lets `pods` reach the Kubernetes API. Its address depends on the cluster (kind: the
 * control-plane container; after the `kubernetes` Service's translation, port 6443 on most
 * distributions), so the rule names the ports, not an address.
 */
export function allowKubernetesApi(pods: Pods, opts: pulumi.CustomResourceOptions): void {
  policy(
    `${pods.app}-to-kubernetes-api`,
    pods.namespace,
    {
      podSelector: { matchLabels: { app: pods.app } },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp([443, 6443]) }],
    },
    opts,
  );
}
