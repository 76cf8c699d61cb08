import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { existingNamespace, labels, podSecurity, podSpec, restrictedContainer } from '../k8s.js';
import { allowFromAnywhere, allowKubelets, allowKubernetesApi } from '../network.js';
import { SIZES } from '../sizing.js';

export interface MetricsServerArgs {
  image: string;
}

/** Where metrics-server runs, as every distribution runs it: cluster infrastructure, not part of the system. */
export const METRICS_NAMESPACE = 'kube-system';
export const METRICS_SERVER_NAME = 'orders-metrics-server';
/** The resource metrics API; its APIService has this fixed name, so a cluster has one of it. */
export const METRICS_API = { group: 'metrics.k8s.io', version: 'v1beta1' } as const;
const HTTPS_PORT = 10250;
/** The uid kubernetes-sigs/metrics-server's own manifest runs it as (manifests/base/deployment.yaml). */
const METRICS_SERVER_UID = 1000;

/**
 * metrics-server: serves metrics.k8s.io (pod and node CPU and memory, scraped from each
 * kubelet's /metrics/resource). Dozzle lists pod metrics every second while its page is
 * open and exits when that fails; kind and minikube ship no metrics API. Objects and
 * flags follow kubernetes-sigs/metrics-server's manifests/base at the pinned tag, under
 * names of this project's own (minikube's addon uses the upstream names), plus
 * --kubelet-insecure-tls: kind's and minikube's kubelets serve self-signed certificates.
 * The APIService is registered once the server is ready, so the API never points at
 * nothing (an unavailable APIService breaks discovery, and with it namespace deletion).
 */
export class MetricsServer extends pulumi.ComponentResource {
  /** Done once metrics.k8s.io answers. */
  readonly apiService: k8s.apiregistration.v1.APIService;

  constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:infra:MetricsServer', name, {}, opts);
    const podLabels = labels(METRICS_SERVER_NAME, 'metrics');
    const metadata = { name: METRICS_SERVER_NAME, namespace: METRICS_NAMESPACE, labels: podLabels };
    const child = { parent: this };
    // Only its own pod is isolated in kube-system: the API server (a node's address) calls it
    // on its port; it calls the API and every kubelet.
    const pods = { namespace: existingNamespace(METRICS_NAMESPACE), app: METRICS_SERVER_NAME };
    allowFromAnywhere(pods, [HTTPS_PORT], child);
    allowKubernetesApi(pods, child);
    allowKubelets(pods, child);
    const account = new k8s.core.v1.ServiceAccount(name, { metadata }, child);
    const subjects = [{ kind: 'ServiceAccount', name: METRICS_SERVER_NAME, namespace: METRICS_NAMESPACE }];
    const role = new k8s.rbac.v1.ClusterRole(
      name,
      {
        metadata: { name: METRICS_SERVER_NAME, labels: podLabels },
        rules: [
          { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
          { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
        ],
      },
      child,
    );
    const bindings = [
      new k8s.rbac.v1.ClusterRoleBinding(
        name,
        { metadata: { name: METRICS_SERVER_NAME, labels: podLabels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: METRICS_SERVER_NAME }, subjects },
        { ...child, dependsOn: [role, account] },
      ),
      // Delegated authentication and authorization of the requests the API server proxies to it.
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-auth-delegator`,
        {
          metadata: { name: `${METRICS_SERVER_NAME}:system:auth-delegator`, labels: podLabels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
          subjects,
        },
        { ...child, dependsOn: [account] },
      ),
      new k8s.rbac.v1.RoleBinding(
        `${name}-auth-reader`,
        {
          metadata: { name: `${METRICS_SERVER_NAME}-auth-reader`, namespace: METRICS_NAMESPACE, labels: podLabels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'extension-apiserver-authentication-reader' },
          subjects,
        },
        { ...child, dependsOn: [account] },
      ),
    ];
    const probe = (path: string) => ({ httpGet: { path, port: 'https', scheme: 'HTTPS' }, periodSeconds: 10, failureThreshold: 3 });
    const deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata,
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: METRICS_SERVER_NAME } },
          strategy: { rollingUpdate: { maxUnavailable: 0 } },
          template: {
            metadata: { labels: podLabels },
            spec: podSpec({
              serviceAccountName: METRICS_SERVER_NAME,
              // It reads nodes and pods and delegates authentication through the API.
              automountServiceAccountToken: true,
              priorityClassName: 'system-cluster-critical',
              nodeSelector: { 'kubernetes.io/os': 'linux' },
              securityContext: podSecurity(METRICS_SERVER_UID),
              containers: [
                {
                  name: 'metrics-server',
                  image: args.image,
                  args: [
                    '--cert-dir=/tmp',
                    `--secure-port=${HTTPS_PORT}`,
                    '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
                    '--kubelet-use-node-status-port',
                    '--metric-resolution=15s',
                    '--kubelet-insecure-tls',
                  ],
                  ports: [{ name: 'https', containerPort: HTTPS_PORT, protocol: 'TCP' }],
                  securityContext: restrictedContainer(METRICS_SERVER_UID),
                  resources: SIZES.metricsServer,
                  readinessProbe: { ...probe('/readyz'), initialDelaySeconds: 20 },
                  livenessProbe: probe('/livez'),
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                },
              ],
              volumes: [{ name: 'tmp', emptyDir: {} }],
            }),
          },
        },
      },
      { ...child, dependsOn: bindings },
    );
    const service = new k8s.core.v1.Service(
      name,
      { metadata, spec: { selector: { app: METRICS_SERVER_NAME }, ports: [{ name: 'https', port: 443, targetPort: 'https', appProtocol: 'https' }] } },
      { ...child, dependsOn: [deployment] },
    );
    this.apiService = new k8s.apiregistration.v1.APIService(
      name,
      {
        metadata: { name: `${METRICS_API.version}.${METRICS_API.group}`, labels: podLabels },
        spec: {
          group: METRICS_API.group,
          version: METRICS_API.version,
          insecureSkipTLSVerify: true,
          groupPriorityMinimum: 100,
          versionPriority: 100,
          service: { name: METRICS_SERVER_NAME, namespace: METRICS_NAMESPACE, port: 443 },
        },
      },
      { ...child, dependsOn: [service] },
    );
    this.registerOutputs({});
  }
}
