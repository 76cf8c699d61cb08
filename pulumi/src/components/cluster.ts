import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { PART_OF, type NamespaceRef } from '../k8s.js';
import { namespaceBaseline } from '../network.js';

export interface ClusterArgs {
  /** kubeconfig context; undefined: the current one. */
  context: string | undefined;
  namespaces: readonly string[];
}

/**
 * Where the stack goes: the Kubernetes provider for one context, the stack's namespaces,
 * and the cluster's identity (kube-system's uid, new whenever the cluster is).
 */
export class Cluster extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;
  /** Options every resource on this cluster is created with. */
  readonly opts: pulumi.ComponentResourceOptions;
  readonly identity: pulumi.Output<string>;
  private readonly namespaces = new Map<string, NamespaceRef>();

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:infra:Cluster', name, {}, opts);
    this.provider = new k8s.Provider(name, { context: args.context, enableServerSideApply: true }, { parent: this });
    this.opts = { providers: [this.provider] };
    for (const namespace of new Set(args.namespaces)) {
      const created = new k8s.core.v1.Namespace(
        namespace,
        { metadata: { name: namespace, labels: { 'app.kubernetes.io/part-of': PART_OF } } },
        { parent: this, provider: this.provider },
      );
      const ref = { name: namespace, ready: created.metadata.name };
      this.namespaces.set(namespace, ref);
      namespaceBaseline(ref, { parent: this, provider: this.provider });
    }
    this.identity = k8s.core.v1.Namespace.get('kube-system', 'kube-system', { parent: this, provider: this.provider }).metadata.uid;
    this.registerOutputs({});
  }

  /** Every namespace of the stack. */
  get allNamespaces(): NamespaceRef[] {
    return [...this.namespaces.values()];
  }

  /** A namespace of the stack. */
  namespace(name: string): NamespaceRef {
    const namespace = this.namespaces.get(name);
    if (!namespace) throw new Error(`namespace ${name} is not one of the stack's`);
    return namespace;
  }
}
