/**
 * What scripts/minikube-up.sh needs to know of a minikube profile: which CNI it runs (the
 * stack's NetworkPolicies are enforced only by a CNI that implements them) and whether its
 * metrics-server addon serves metrics.k8s.io already. Read from `minikube profile list -o
 * json`, whose fields are the Go names of minikube's ClusterConfig (pkg/minikube/config/types.go).
 */

/** CNIs minikube can install that enforce NetworkPolicy (calico; cilium with enable-policy: default). */
export const POLICY_CNIS = ['calico', 'cilium'] as const;
export type PolicyCni = (typeof POLICY_CNIS)[number];

/**
 * The CNI a profile runs, as minikube 1.38 decides it (pkg/minikube/cni/cni.go, New and
 * chooseDefault): `--cni` as given; unset or `auto` means bridge with the docker runtime
 * (Kubernetes 1.24+), kindnet with another runtime under the docker or podman driver or on
 * several nodes, bridge otherwise; a network plugin other than cni means none. bridge and
 * flannel implement no policies; minikube's documentation says kindnet does not either.
 */
export function effectiveCni(config: any): string {
  const k8s = config?.KubernetesConfig ?? {};
  if (k8s.NetworkPlugin && k8s.NetworkPlugin !== 'cni') return 'none';
  const asked = String(k8s.CNI ?? '');
  if (asked === 'false') return 'none';
  if (asked === 'true') return 'kindnet';
  if (asked !== '' && asked !== 'auto') return asked;
  if (k8s.EnableDefaultCNI) return 'bridge';
  if ((config?.Nodes?.length ?? 0) > 1 || config?.MultiNodeRequested) return 'kindnet';
  if (k8s.ContainerRuntime && k8s.ContainerRuntime !== 'docker') return ['docker', 'podman'].includes(config?.Driver) ? 'kindnet' : 'bridge';
  return 'bridge';
}

export const enforcesPolicies = (cni: string): boolean => (POLICY_CNIS as readonly string[]).includes(cni);

export interface ProfileCheck {
  /** absent: minikube-up.sh creates it with --cni; otherwise the profile's status (Running, Stopped, …). */
  state: string;
  cni: string | null;
  /** The metrics-server addon is on: the stack must not deploy a second metrics API. */
  metricsAddon: boolean;
  /** Set when the profile cannot host the stack as asked; minikube-up.sh stops with it. */
  problem: string | null;
}

export function checkProfile(list: any, profile: string, requestedCni: string): ProfileCheck {
  if (!enforcesPolicies(requestedCni)) {
    return {
      state: 'unknown',
      cni: null,
      metricsAddon: false,
      problem: `MINIKUBE_CNI '${requestedCni}' does not enforce NetworkPolicies; use one of ${POLICY_CNIS.join(', ')}`,
    };
  }
  const found = [...(list?.valid ?? []), ...(list?.invalid ?? [])].find((p: any) => p?.Name === profile);
  if (!found) return { state: 'absent', cni: null, metricsAddon: false, problem: null };
  const cni = effectiveCni(found.Config);
  const metricsAddon = found.Config?.Addons?.['metrics-server'] === true;
  const problem = enforcesPolicies(cni)
    ? null
    : `the minikube profile '${profile}' runs the CNI '${cni}', which does not enforce NetworkPolicies: ` +
      `every rule of this stack (default deny, one allowed flow each) would be ignored. ` +
      `Recreate it (minikube delete -p ${profile}; scripts/minikube-up.sh starts it with --cni=${requestedCni}), ` +
      `or deploy without enforcement with MINIKUBE_ALLOW_UNENFORCED_POLICIES=1.`;
  return { state: String(found.Status ?? 'unknown'), cni, metricsAddon, problem };
}
