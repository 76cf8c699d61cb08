import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { PROBE_PATHS } from '@orders/contracts';
import { labels, podSecurity, podSpec, type NodePortEndpoint, type NamespaceRef } from '../k8s.js';
import { allowFromAnywhere, type Pods } from '../network.js';
import { SERVICE_UID, serviceContainer, SHUTDOWN, type ServicePod } from './service-pod.js';

const TERMINATION_GRACE_SECONDS = Math.ceil((SHUTDOWN.drainMs + SHUTDOWN.timeoutMs) / 1000) + 5;

export interface ServiceDeploymentArgs {
  namespace: NamespaceRef;
  pod: ServicePod;
  /** Done first: the migration Job. */
  after: pulumi.Resource[];
  /** The URN of the component its objects belonged to before (the stack's state keeps them). */
  formerParent?: pulumi.Input<string>;
}

/**
 * A service running: its Deployment (`start` as the application role, rolled one new pod at
 * a time, none taken down first), a NodePort Service, and a disruption budget when it has
 * replicas to spare.
 */
export class ServiceDeployment extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly endpoint: NodePortEndpoint;
  /** Its pods: they use the database and Kafka. */
  readonly pods: Pods;

  constructor(name: string, args: ServiceDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:app:ServiceDeployment', name, {}, opts);
    const { pod } = args;
    const { contract, settings } = pod;
    const app = contract.serviceName;
    const podLabels = labels(app, 'service');
    const child = { parent: this, aliases: args.formerParent ? [{ parent: args.formerParent }] : [] };
    const metadata = { name: app, namespace: args.namespace.ready, labels: podLabels };
    this.pods = { namespace: args.namespace, app };
    this.endpoint = { namespace: args.namespace.name, service: app, port: contract.httpPort, nodePort: settings.nodePort };
    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata,
        spec: {
          replicas: settings.replicas,
          selector: { matchLabels: { app } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels: podLabels,
              // Prometheus' conventional scrape annotations: /metrics on the HTTP port.
              annotations: {
                ...pod.checksums,
                'prometheus.io/scrape': 'true',
                'prometheus.io/port': String(contract.httpPort),
                'prometheus.io/path': PROBE_PATHS.metrics,
              },
            },
            spec: podSpec({
              securityContext: podSecurity(SERVICE_UID),
              terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
              containers: [
                {
                  ...serviceContainer(pod, 'start'),
                  ports: [{ name: 'http', containerPort: contract.httpPort }],
                  startupProbe: { httpGet: { path: PROBE_PATHS.liveness, port: 'http' }, periodSeconds: 2, failureThreshold: 30 },
                  livenessProbe: { httpGet: { path: PROBE_PATHS.liveness, port: 'http' }, periodSeconds: 10, timeoutSeconds: 3 },
                  readinessProbe: { httpGet: { path: PROBE_PATHS.readiness, port: 'http' }, periodSeconds: 5, timeoutSeconds: 3 },
                },
              ],
              volumes: [{ name: 'tmp', emptyDir: {} }],
            }),
          },
        },
      },
      { ...child, dependsOn: args.after },
    );
    new k8s.core.v1.Service(
      name,
      {
        metadata,
        spec: { type: 'NodePort', selector: { app }, ports: [{ name: 'http', port: contract.httpPort, targetPort: 'http', nodePort: settings.nodePort }] },
      },
      { ...child, dependsOn: [this.deployment] },
    );
    allowFromAnywhere(this.pods, [contract.httpPort], child);
    if (settings.replicas > 1) {
      // A node drain evicts one replica at a time; the others keep serving.
      new k8s.policy.v1.PodDisruptionBudget(
        name,
        { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: { app } } } },
        { ...child, dependsOn: [this.deployment] },
      );
    }
    this.registerOutputs({});
  }
}
