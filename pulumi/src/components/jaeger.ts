import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { JAEGER_OTLP_PORT } from '../config.js';
import { labels, podSecurity, podSpec, restrictedContainer, type NodePortEndpoint, type NamespaceRef } from '../k8s.js';
import { allowConnections, allowFromAnywhere, type Pods } from '../network.js';
import { SIZES } from '../sizing.js';

export interface JaegerArgs {
  namespace: NamespaceRef;
  image: string;
  nodePort: number;
}

/**
 * What the jaegertracing/jaeger v2 image serves with no `--config` (its embedded
 * cmd/jaeger/internal/all-in-one.yaml, listening on JAEGER_LISTEN_HOST, which the image's
 * Dockerfile sets to 0.0.0.0): the UI and query API, OTLP over HTTP, the health check.
 */
export const JAEGER_PORTS = { ui: 16686, otlpHttp: JAEGER_OTLP_PORT, health: 13133 } as const;
/** The healthcheckv2 extension's status path (use_v2: true). */
export const JAEGER_HEALTH_PATH = '/status';
/** The image's USER. */
const JAEGER_UID = 10001;

/**
 * Jaeger all-in-one (traces kept in memory, gone on restart): the services send it OTLP on
 * the `jaeger-collector` Service; its UI is on a NodePort.
 */
export class Jaeger extends pulumi.ComponentResource {
  readonly endpoint: NodePortEndpoint;
  readonly pods: Pods;
  readonly deployment: k8s.apps.v1.Deployment;

  constructor(name: string, args: JaegerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:tools:Jaeger', name, {}, opts);
    const podLabels = labels('jaeger', 'tracing');
    this.endpoint = { namespace: args.namespace.name, service: 'jaeger', port: JAEGER_PORTS.ui, nodePort: args.nodePort };
    this.pods = { namespace: args.namespace, app: 'jaeger' };
    allowFromAnywhere(this.pods, [JAEGER_PORTS.ui], { parent: this });
    const health = { httpGet: { path: JAEGER_HEALTH_PATH, port: 'health' } };
    this.deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: 'jaeger', namespace: args.namespace.ready, labels: podLabels },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'jaeger' } },
          template: {
            metadata: { labels: podLabels },
            spec: podSpec({
              securityContext: podSecurity(JAEGER_UID),
              containers: [
                {
                  name: 'jaeger',
                  image: args.image,
                  ports: [
                    { name: 'ui', containerPort: JAEGER_PORTS.ui },
                    { name: 'otlp-http', containerPort: JAEGER_PORTS.otlpHttp },
                    { name: 'health', containerPort: JAEGER_PORTS.health },
                  ],
                  securityContext: restrictedContainer(JAEGER_UID),
                  resources: SIZES.jaeger,
                  readinessProbe: { ...health, periodSeconds: 10 },
                  livenessProbe: { ...health, periodSeconds: 20 },
                  // The image declares /tmp a volume.
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                },
              ],
              volumes: [{ name: 'tmp', emptyDir: {} }],
            }),
          },
        },
      },
      { parent: this },
    );
    new k8s.core.v1.Service(
      `${name}-collector`,
      {
        metadata: { name: 'jaeger-collector', namespace: args.namespace.ready, labels: podLabels },
        spec: { selector: { app: 'jaeger' }, ports: [{ name: 'otlp-http', port: JAEGER_PORTS.otlpHttp, targetPort: 'otlp-http' }] },
      },
      { parent: this },
    );
    new k8s.core.v1.Service(
      name,
      {
        metadata: { name: 'jaeger', namespace: args.namespace.ready, labels: podLabels },
        spec: { type: 'NodePort', selector: { app: 'jaeger' }, ports: [{ name: 'ui', port: JAEGER_PORTS.ui, targetPort: 'ui', nodePort: args.nodePort }] },
      },
      { parent: this, dependsOn: [this.deployment] },
    );
    this.registerOutputs({});
  }

  /** Lets these pods send their spans. */
  admit(clients: readonly Pods[]): void {
    allowConnections('jaeger-otlp', this.pods, clients, [JAEGER_PORTS.otlpHttp], { parent: this });
  }
}
