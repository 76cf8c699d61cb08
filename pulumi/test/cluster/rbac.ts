/**
 * RBAC as the API server's authorizer applies it (rbac.authorization.k8s.io/v1): a request
 * by a service account is allowed when a RoleBinding in the request's namespace, or a
 * ClusterRoleBinding, names the account and refers to a role with a rule that matches the
 * verb, the API group, the resource (with its subresource, e.g. pods/log) and, where the
 * rule lists resourceNames, the object's name. A Role or ClusterRole the stack does not
 * declare is one of the cluster's bootstrap roles below, or none.
 */
import { ofKind, type KubeObject } from './objects.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * The bootstrap roles the stack binds to (kubernetes plugin/pkg/auth/authorizer/rbac/
 * bootstrappolicy: policy.go for system:auth-delegator, namespace_policy.go for the
 * kube-system Role extension-apiserver-authentication-reader).
 */
const BOOTSTRAP: Record<string, Rule[]> = {
  'ClusterRole/system:auth-delegator': [
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ],
  'Role/kube-system/extension-apiserver-authentication-reader': [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'], resourceNames: ['extension-apiserver-authentication'] },
  ],
};

export interface ApiRequest {
  verb: string;
  group: string;
  /** With its subresource: pods/log, nodes/metrics. */
  resource: string;
  /** The request's namespace; null for a cluster-scoped resource or a request across all namespaces. */
  namespace: string | null;
  name?: string;
}

export interface ServiceAccount {
  namespace: string;
  name: string;
}

const matches = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v === '*' || v === value);

function ruleAllows(rule: Rule, request: ApiRequest): boolean {
  return (
    matches(rule.verbs, request.verb) &&
    matches(rule.apiGroups, request.group) &&
    matches(rule.resources, request.resource) &&
    (!rule.resourceNames?.length || (request.name !== undefined && rule.resourceNames.includes(request.name)))
  );
}

function rulesOf(objects: KubeObject[], roleRef: { kind: string; name: string }, bindingNamespace: string): Rule[] {
  if (roleRef.kind === 'ClusterRole') {
    const declared = ofKind(objects, 'ClusterRole').find((r) => r.name === roleRef.name);
    return declared ? (declared.body.rules ?? []) : (BOOTSTRAP[`ClusterRole/${roleRef.name}`] ?? []);
  }
  const declared = ofKind(objects, 'Role').find((r) => r.namespace === bindingNamespace && r.name === roleRef.name);
  return declared ? (declared.body.rules ?? []) : (BOOTSTRAP[`Role/${bindingNamespace}/${roleRef.name}`] ?? []);
}

const names = (binding: KubeObject, account: ServiceAccount) =>
  (binding.body.subjects ?? []).some((s: any) => s.kind === 'ServiceAccount' && s.name === account.name && (s.namespace ?? binding.namespace) === account.namespace);

/** Whether the account may make the request. */
export function rbacAllows(objects: KubeObject[], account: ServiceAccount, request: ApiRequest): boolean {
  const viaCluster = ofKind(objects, 'ClusterRoleBinding')
    .filter((b) => names(b, account))
    .some((b) => rulesOf(objects, b.body.roleRef, '').some((rule) => ruleAllows(rule, request)));
  if (viaCluster) return true;
  if (request.namespace === null) return false;
  return ofKind(objects, 'RoleBinding')
    .filter((b) => b.namespace === request.namespace && names(b, account))
    .some((b) => rulesOf(objects, b.body.roleRef, b.namespace).some((rule) => ruleAllows(rule, request)));
}
