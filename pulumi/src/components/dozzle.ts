import bcrypt from 'bcryptjs';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { passwordOrGenerated } from '../passwords.js';
import { existingNamespace, labels, podSecurity, podSpec, restrictedContainer, type NodePortEndpoint, type NamespaceRef } from '../k8s.js';
import { allowFromAnywhere, allowKubernetesApi } from '../network.js';
import { SIZES } from '../sizing.js';

export interface DozzleArgs {
  namespace: NamespaceRef;
  /** Cluster-scoped names carry it, so two stacks on one cluster do not collide. */
  stackName: string;
  image: string;
  nodePort: number;
  /** With a user, Dozzle asks for a login (simple auth); the password is a secret, generated when not given. */
  auth: { username: string; password: pulumi.Output<string> | undefined } | null;
  /** The namespaces whose pods it shows: it may read nothing else. */
  watched: NamespaceRef[];
  /** Done once metrics.k8s.io answers (Dozzle exits when it cannot list pod metrics); none where the cluster serves it. */
  metricsApi: pulumi.Resource | undefined;
}

const DOZZLE_PORT = 8080;
const NOBODY = 65534;

/**
 * Dozzle in Kubernetes mode: its own ServiceAccount, allowed to read pods and their logs in
 * the system's namespaces only (a Role in each, bound there), to list nodes (it names its
 * host from the first at start) and pods of `default` (its /healthcheck lists one); a
 * NodePort.
 */
export class Dozzle extends pulumi.ComponentResource {
  readonly podLabels = labels('dozzle', 'logs');
  readonly endpoint: NodePortEndpoint;
  /** Who logs in (the password a secret); undefined when it asks for no login. */
  readonly login: { username: string; password: pulumi.Output<string> } | undefined;

  constructor(name: string, args: DozzleArgs, opts?: pulumi.ComponentResourceOptions) {
    super('orders:tools:Dozzle', name, {}, opts);
    this.login = args.auth ? { username: args.auth.username, password: passwordOrGenerated(`${name}-password`, args.auth.password, { parent: this }) } : undefined;
    this.endpoint = { namespace: args.namespace.name, service: 'dozzle', port: DOZZLE_PORT, nodePort: args.nodePort };
    const pods = { namespace: args.namespace, app: 'dozzle' };
    allowFromAnywhere(pods, [DOZZLE_PORT], { parent: this });
    // It reads pod logs through the API.
    allowKubernetesApi(pods, { parent: this });
    const account = new k8s.core.v1.ServiceAccount(
      name,
      { metadata: { name: 'dozzle', namespace: args.namespace.ready, labels: this.podLabels } },
      { parent: this },
    );
    const subjects = [{ kind: 'ServiceAccount', name: 'dozzle', namespace: args.namespace.ready }];
    const nodeReader = `orders-dozzle-node-reader-${args.stackName}`;
    const grants: pulumi.Resource[] = [
      new k8s.rbac.v1.ClusterRole(
        name,
        { metadata: { name: nodeReader, labels: this.podLabels }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }] },
        { parent: this },
      ),
    ];
    grants.push(
      new k8s.rbac.v1.ClusterRoleBinding(
        name,
        { metadata: { name: nodeReader, labels: this.podLabels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: nodeReader }, subjects },
        { parent: this, dependsOn: [account, grants[0]!] },
      ),
    );
    const logReader: k8s.types.input.rbac.v1.PolicyRule[] = [
      { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['get', 'list'] },
    ];
    const podLister: k8s.types.input.rbac.v1.PolicyRule[] = [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }];
    const distinct = [...new Map(args.watched.map((ns) => [ns.name, ns])).values()];
    for (const [ns, rules] of [...distinct.map((ns) => [ns, logReader] as const), [existingNamespace('default'), podLister] as const]) {
      const role = new k8s.rbac.v1.Role(`${name}-${ns.name}`, { metadata: { name: 'dozzle-log-reader', namespace: ns.ready, labels: this.podLabels }, rules }, { parent: this });
      grants.push(
        new k8s.rbac.v1.RoleBinding(
          `${name}-${ns.name}`,
          { metadata: { name: 'dozzle-log-reader', namespace: ns.ready, labels: this.podLabels }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'dozzle-log-reader' }, subjects },
          { parent: this, dependsOn: [account, role] },
        ),
      );
    }

    const volumes: k8s.types.input.core.v1.Volume[] = [{ name: 'data', emptyDir: {} }];
    const mounts: k8s.types.input.core.v1.VolumeMount[] = [{ name: 'data', mountPath: '/data' }];
    const env: k8s.types.input.core.v1.EnvVar[] = [
      { name: 'DOZZLE_MODE', value: 'k8s' },
      { name: 'DOZZLE_NAMESPACE', value: distinct.map((ns) => ns.name).join(',') },
      // Nothing of its own to the internet (the network policies would stop it anyway):
      // no analytics, release checks only when asked, no avatars from gravatar.com.
      { name: 'DOZZLE_NO_ANALYTICS', value: 'true' },
      { name: 'DOZZLE_RELEASE_CHECK_MODE', value: 'manual' },
      { name: 'DOZZLE_DISABLE_AVATARS', value: 'true' },
    ];
    const extra: pulumi.Resource[] = [];
    if (this.login) {
      const { username } = this.login;
      // A salt kept in the stack state: the hash (and so the Secret) only changes with the password.
      const salt = new random.RandomBytes(`${name}-password-salt`, { length: 16 }, { parent: this });
      const usersFile = pulumi.secret(
        pulumi.all([this.login.password, salt.base64]).apply(([password, saltBase64]) => {
          const hash = bcrypt.hashSync(password, `$2b$11$${bcrypt.encodeBase64(Buffer.from(saltBase64, 'base64'), 16)}`);
          return `users:\n  ${username}:\n    name: ${username}\n    email: ${username}@localhost\n    password: "${hash}"\n`;
        }),
      );
      extra.push(
        new k8s.core.v1.Secret(
          `${name}-users`,
          { metadata: { name: 'dozzle-users', namespace: args.namespace.ready, labels: this.podLabels }, stringData: { 'users.yml': usersFile } },
          { parent: this },
        ),
      );
      volumes.push({ name: 'users', secret: { secretName: 'dozzle-users' } });
      mounts.push({ name: 'users', mountPath: '/data/users.yml', subPath: 'users.yml', readOnly: true });
      env.push({ name: 'DOZZLE_AUTH_PROVIDER', value: 'simple' });
    }

    const health = { httpGet: { path: '/healthcheck', port: 'http' } };
    const deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { name: 'dozzle', namespace: args.namespace.ready, labels: this.podLabels },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'dozzle' } },
          template: {
            metadata: { labels: this.podLabels },
            spec: podSpec({
              serviceAccountName: 'dozzle',
              // Dozzle reads pods and their logs through the API.
              automountServiceAccountToken: true,
              securityContext: podSecurity(NOBODY),
              containers: [
                {
                  name: 'dozzle',
                  image: args.image,
                  ports: [{ name: 'http', containerPort: DOZZLE_PORT }],
                  env,
                  securityContext: restrictedContainer(NOBODY),
                  resources: SIZES.dozzle,
                  readinessProbe: { ...health, periodSeconds: 10 },
                  livenessProbe: { ...health, periodSeconds: 20 },
                  volumeMounts: mounts,
                },
              ],
              volumes,
            }),
          },
        },
      },
      { parent: this, dependsOn: [...grants, ...extra, ...(args.metricsApi ? [args.metricsApi] : [])] },
    );
    new k8s.core.v1.Service(
      name,
      {
        metadata: { name: 'dozzle', namespace: args.namespace.ready, labels: this.podLabels },
        spec: { type: 'NodePort', selector: { app: 'dozzle' }, ports: [{ name: 'http', port: DOZZLE_PORT, targetPort: 'http', nodePort: args.nodePort }] },
      },
      { parent: this, dependsOn: [deployment] },
    );
    this.registerOutputs({});
  }
}
