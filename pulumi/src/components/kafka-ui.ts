import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { KAFKA_UI_USER } from '@orders/contracts';
import { SASL_MECHANISM } from '@orders/kafka-config';
import { passwordOrGenerated } from '../passwords.js';
import { labels, podSecurity, podSpec, restrictedContainer, type NodePortEndpoint, type NamespaceRef } from '../k8s.js';
import { allowFromAnywhere, type Pods } from '../network.js';
import { SIZES } from '../sizing.js';
import type { Kafka } from './kafka.js';

export interface KafkaUiArgs {
  namespace: NamespaceRef;
  image: string;
  kafka: Kafka;
  nodePort: number;
  readOnly: boolean;
  /** With a user, Kafka UI asks for a login (its login form); the password is a secret, generated when not given. */
  login: { username: string; password: pulumi.Output<string> | undefined } | null;
}

const UI_PORT = 8080;

/** Kafka UI (kafbat) on a NodePort, pointed at the cluster, read-only unless asked otherwise. */
export class KafkaUi extends pulumi.ComponentResource {
  readonly podLabels = labels('kafka-ui', 'ui');
  readonly endpoint: NodePortEndpoint;
  /** Its pods: they use Kafka. */
  readonly pods: Pods;
  /** Who logs in (the password a secret); undefined when it asks for no login. */
  readonly login: { username: string; password: pulumi.Output<string> } | undefined;

  constructor(name: string, args: KafkaUiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:tools:KafkaUi', name, {}, opts);
    this.endpoint = { namespace: args.namespace.name, service: 'kafka-ui', port: UI_PORT, nodePort: args.nodePort };
    this.pods = { namespace: args.namespace, app: 'kafka-ui' };
    this.login = args.login ? { username: args.login.username, password: passwordOrGenerated(`${name}-password`, args.login.password, { parent: this }) } : undefined;
    // kafbat's LOGIN_FORM: Spring Security with one user; /actuator/health stays open for the probes.
    const loginSecret = this.login
      ? new k8s.core.v1.Secret(
          `${name}-login`,
          { metadata: { name: 'kafka-ui-login', namespace: args.namespace.ready, labels: this.podLabels }, stringData: { password: this.login.password } },
          { parent: this },
        )
      : undefined;
    // Its own Kafka user, whose ACLs allow reading and describing only.
    const kafkaSecret = new k8s.core.v1.Secret(
      `${name}-kafka-credentials`,
      {
        metadata: { name: 'kafka-ui-kafka-credentials', namespace: args.namespace.ready, labels: this.podLabels },
        type: 'Opaque',
        stringData: {
          jaas: pulumi.interpolate`org.apache.kafka.common.security.scram.ScramLoginModule required username="${KAFKA_UI_USER}" password="${args.kafka.passwordOf(KAFKA_UI_USER)}";`,
        },
      },
      { parent: this },
    );
    const kafkaEnv: k8s.types.input.core.v1.EnvVar[] = [
      { name: 'KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL', value: 'SASL_PLAINTEXT' },
      { name: 'KAFKA_CLUSTERS_0_PROPERTIES_SASL_MECHANISM', value: SASL_MECHANISM },
      { name: 'KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG', valueFrom: { secretKeyRef: { name: 'kafka-ui-kafka-credentials', key: 'jaas' } } },
    ];
    const authEnv: k8s.types.input.core.v1.EnvVar[] = this.login
      ? [
          { name: 'AUTH_TYPE', value: 'LOGIN_FORM' },
          { name: 'SPRING_SECURITY_USER_NAME', value: this.login.username },
          { name: 'SPRING_SECURITY_USER_PASSWORD', valueFrom: { secretKeyRef: { name: 'kafka-ui-login', key: 'password' } } },
        ]
      : [{ name: 'AUTH_TYPE', value: 'DISABLED' }];
    allowFromAnywhere(this.pods, [UI_PORT], { parent: this });
    const health = { httpGet: { path: '/actuator/health', port: 'http' } };
    const deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: 'kafka-ui', namespace: args.namespace.ready, labels: this.podLabels },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'kafka-ui' } },
          template: {
            metadata: { labels: this.podLabels },
            spec: podSpec({
              securityContext: podSecurity(1000),
              containers: [
                {
                  name: 'kafka-ui',
                  image: args.image,
                  ports: [{ name: 'http', containerPort: UI_PORT }],
                  env: [
                    { name: 'KAFKA_CLUSTERS_0_NAME', value: 'orders' },
                    { name: 'KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS', value: args.kafka.bootstrapServers },
                    { name: 'KAFKA_CLUSTERS_0_READONLY', value: String(args.readOnly) },
                    { name: 'DYNAMIC_CONFIG_ENABLED', value: 'false' },
                    // No hourly call to api.github.com (the network policies would stop it anyway).
                    { name: 'GITHUB_RELEASE_INFO_ENABLED', value: 'false' },
                    { name: 'JAVA_OPTS', value: '-Xms128m -Xmx384m' },
                    ...kafkaEnv,
                    ...authEnv,
                  ],
                  securityContext: restrictedContainer(1000),
                  resources: SIZES.kafkaUi,
                  startupProbe: { ...health, periodSeconds: 5, failureThreshold: 36 },
                  readinessProbe: { ...health, periodSeconds: 10, timeoutSeconds: 5 },
                  livenessProbe: { ...health, periodSeconds: 20, timeoutSeconds: 5 },
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                },
              ],
              volumes: [{ name: 'tmp', emptyDir: {} }],
            }),
          },
        },
      },
      { parent: this, dependsOn: [args.kafka.statefulSet, kafkaSecret, ...(loginSecret ? [loginSecret] : [])] },
    );
    new k8s.core.v1.Service(
      name,
      {
        metadata: { name: 'kafka-ui', namespace: args.namespace.ready, labels: this.podLabels },
        spec: { type: 'NodePort', selector: { app: 'kafka-ui' }, ports: [{ name: 'http', port: UI_PORT, targetPort: 'http', nodePort: args.nodePort }] },
      },
      { parent: this, dependsOn: [deployment] },
    );
    this.registerOutputs({});
  }
}
