/**
 * What each third-party image's own code needs from the cluster at run time, read in its
 * source at the tag the stack pins: the Kubernetes API calls it makes, the user it can run
 * as and the paths it writes, the variables it must be given, its ports and health
 * endpoints, and whatever it reaches on its own (the network policies stop it, so the stack
 * must turn it off). `image-needs.test.ts` holds every variant of the stack to it, and
 * docs/cluster-model.md shows it (npm run docs).
 */
import { isValidKafkaUuid, parseProperties } from '@orders/kafka-config';
import type { ModelPod } from './pods.js';

/** The checks of image-needs.test.ts (and network-policy.test.ts for what an image connects to), by the titles of their tests. */
export const CHECKS = {
  api: 'API: every call an image makes is served by the cluster and allowed to its service account',
  user: "users: a numeric runAsUser where the image names its user or runs as root; the uid its files need",
  writes: 'writes: every path an image writes is on a writable volume',
  env: 'environment and arguments: what each image must be given (a KRaft cluster id Kafka accepts), and nothing it would reach on its own',
  ports: 'ports and probes: each declared port is one the image listens on, each probe asks what it serves',
  network: 'every connection the configuration makes is allowed; nothing else is (every model variant)',
  login: 'logins: each tool asks for a login (an anonymous request is refused); its password comes from a Secret; its probes ask only what stays open',
  run: "runs every node from the rendered ConfigMap through pulumi/kafka-config/start.sh, not from an image template",
} as const;
export type Check = keyof typeof CHECKS;

export interface ApiNeed {
  verbs: string[];
  group: string;
  /** With its subresource: pods/log, nodes/metrics. */
  resource: string;
  /**
   * cluster: a cluster-scoped resource (or every namespace at once); watched: each namespace
   * the image watches (all of them at once unless it is told which); or one namespace,
   * and object, of its own.
   */
  scope: 'cluster' | 'watched' | { namespace: string; name?: string };
  why: string;
}

export interface EnvNeed {
  name: string;
  /** What the value must be; a function for a rule. Absent: set to anything. */
  value?: string | ((value: string) => boolean);
  why: string;
  /** Only for some of its pods (absent: all). */
  when?: (pod: ModelPod, container: any) => boolean;
}

export interface ProbeTarget {
  http?: { path: string; port: number; scheme?: 'HTTPS' };
  tcp?: number;
  /** An exec probe whose command starts with these words. */
  exec?: string[];
}

export interface ImageNeeds {
  /** The repository, without the tag. */
  image: string;
  /** The tag this was read at; the stack's setting must pin it. */
  tag: string;
  /** The stack setting that names the image. */
  setting: string;
  /** Where it was read: repository@tag and files. */
  source: string;
  /** Which of the stack's containers running the image these needs are for (all if absent). */
  appliesTo?: (container: any) => boolean;
  api: ApiNeed[];
  /** Namespaces it watches, from its environment: 'all' unless told. */
  watched?: (env: Record<string, string>) => string[] | 'all';
  /** The image's USER: a name or root must be given a numeric runAsUser under runAsNonRoot. */
  imageUser: string | number;
  /** A uid its files need, when any other fails. */
  uid?: number;
  /** Paths it writes at run time (writable volumes when the root file system is read-only). */
  writes: (pod: ModelPod, container: any) => string[];
  env: EnvNeed[];
  /** Arguments it must be started with on kind and minikube. */
  args?: { arg: string; why: string }[];
  ports: number[];
  probes: ProbeTarget[];
  /** Hosts it reaches of its own accord, and the variable that turns that off. */
  outbound: { host: string; off: { env: string; value: string } }[];
  /** Addresses outside the pods it connects to. */
  connects: ('kubernetes-api' | 'kubelets')[];
  /** The API it serves through an APIService (metrics-server). */
  serves?: { group: string; version: string };
  /**
   * For a tool that shows the system's data: what makes it ask for a login, the variables
   * whose values must come from a Secret, the users file it reads (bcrypt hashes), and the
   * paths it leaves open without one.
   */
  login?: { env: Record<string, string>; secretEnv?: string[]; usersFile?: string; open: string[] };
  /** One line per need for the docs: what, where in the source, and the check that holds the stack to it. */
  notes: { need: string; source: string; check: Check }[];
}

/** Every API group the cluster serves without the stack (kube-apiserver's own). */
export const BUILT_IN_GROUPS = ['', 'apps', 'batch', 'authentication.k8s.io', 'authorization.k8s.io', 'rbac.authorization.k8s.io', 'policy', 'networking.k8s.io', 'apiregistration.k8s.io'];

const volumeData = (pod: ModelPod, file: string, key: string) => {
  const text = Object.entries(pod.mountedFiles).find(([name]) => name.endsWith(`/${file}`))?.[1];
  const value = text ? parseProperties(text).get(key) : undefined;
  return value ? [value] : [];
};

export const IMAGE_NEEDS: ImageNeeds[] = [
  {
    image: 'apache/kafka',
    tag: '3.9.1',
    setting: 'kafkaImage',
    source: 'apache/kafka@3.9.1 docker/jvm/Dockerfile; the node runs pulumi/kafka-config/start.sh with the image\'s java and jars',
    api: [],
    imageUser: 'appuser',
    writes: (pod, container) => {
      const role = container.command?.[2];
      return ['/tmp', ...(role === 'zookeeper' ? volumeData(pod, 'zookeeper.properties', 'dataDir') : volumeData(pod, 'server.properties', 'log.dirs'))];
    },
    env: [
      { name: 'KAFKA_LIBS', value: '/opt/kafka/libs', why: 'start.sh runs the jars of the image (/opt/kafka is the release tarball)' },
      { name: 'KAFKA_LOG4J', why: 'start.sh: the log configuration (console only)' },
      { name: 'POD_NAME', why: 'start.sh: the node id is the pod ordinal' },
      {
        name: 'KAFKA_CLUSTER_ID',
        value: isValidKafkaUuid,
        why: 'KRaft: kafka-storage format takes it; Kafka refuses ids it could not have generated',
        when: (pod, container) => container.command?.[2] === 'kafka' && volumeData(pod, 'server.properties', 'process.roles').length > 0,
      },
      {
        name: 'KAFKA_USERS_DIR',
        why: 'start.sh: the SCRAM users (one file per user) it makes before the broker starts',
        when: (_pod, container) => container.command?.[2] === 'kafka',
      },
    ],
    ports: [9092, 9093, 9094, 2181],
    probes: [{ tcp: 9092 }, { exec: ['bash', '-c'] }],
    outbound: [],
    connects: [],
    notes: [
      { need: 'no Kubernetes API', source: 'docker/jvm/Dockerfile (no client), the start command is ours', check: 'api' },
      { need: 'USER appuser (a name: runAsUser must be numeric); any uid writes /tmp and the data volume', source: 'docker/jvm/Dockerfile: adduser … appuser, USER appuser', check: 'user' },
      { need: 'java on PATH, jars in /opt/kafka/libs, bash and sh (start.sh, the ruok probe)', source: 'docker/jvm/Dockerfile: FROM eclipse-temurin:21-jre-alpine, apk add … bash', check: 'run' },
      { need: 'writes /tmp (start.sh\'s work dir, the JVM) and log.dirs or dataDir of the rendered file', source: 'pulumi/kafka-config/start.sh, renderKafkaFiles', check: 'writes' },
      { need: 'KRaft: KAFKA_CLUSTER_ID a valid Kafka id (22 base64url characters, no leading -, not reserved)', source: 'clients/src/main/java/org/apache/kafka/common/Uuid.java randomUuid(); StorageTool format --cluster-id', check: 'env' },
      { need: 'KAFKA_USERS_DIR: the SCRAM users, one file each', source: 'pulumi/kafka-config/start.sh', check: 'env' },
      { need: 'ports 9092 (clients, SCRAM), 9094 (broker to broker), 9093 (KRaft controllers), 2181 (ZooKeeper); probes TCP and ruok', source: 'the rendered server.properties and zookeeper.properties', check: 'ports' },
    ],
  },
  {
    image: 'postgres',
    tag: '17.6-alpine',
    setting: 'postgresImage',
    source: 'docker-library/postgres 17/alpine3.22 (commit 5ec8931) Dockerfile and docker-entrypoint.sh',
    // The server; the migration Job's wait-for-database container only runs pg_isready.
    appliesTo: (container) => container.command === undefined,
    api: [],
    imageUser: 'root',
    uid: 70,
    writes: (_pod, container) => {
      const pgdata = (container.env ?? []).find((e: any) => e.name === 'PGDATA')?.value ?? '/var/lib/postgresql/data';
      return [pgdata, '/var/run/postgresql'];
    },
    env: [
      { name: 'POSTGRES_PASSWORD', why: 'docker-entrypoint.sh exits without it (unless trust)' },
      {
        name: 'PGDATA',
        value: (v) => /^\/var\/lib\/postgresql\/data\/[^/]+$/.test(v),
        why: 'a directory below the volume: initdb refuses a mount point (lost+found) and must own PGDATA',
      },
    ],
    ports: [5432],
    probes: [{ exec: ['pg_isready', '-h', '127.0.0.1'] }],
    outbound: [],
    connects: [],
    notes: [
      { need: 'no Kubernetes API', source: 'Dockerfile, docker-entrypoint.sh', check: 'api' },
      { need: 'starts as root and drops to postgres (uid 70) with gosu: runAsUser 70, so the files are its own', source: 'Dockerfile: adduser -u 70 … postgres; docker-entrypoint.sh', check: 'user' },
      { need: 'writes PGDATA (a subdirectory of the volume) and /var/run/postgresql', source: 'docker-entrypoint.sh docker_create_db_directories; initdb create_data_directory', check: 'writes' },
      { need: 'POSTGRES_PASSWORD; PGDATA below the mount', source: 'docker-entrypoint.sh docker_verify_minimum_env', check: 'env' },
      { need: 'port 5432; pg_isready over TCP (the socket answers during the init-only server)', source: 'docker-entrypoint.sh docker_temp_server_start (listen_addresses=\'\')', check: 'ports' },
    ],
  },
  {
    image: 'ghcr.io/kafbat/kafka-ui',
    tag: 'v1.5.0',
    setting: 'kafkaUiImage',
    source: 'kafbat/kafka-ui@v1.5.0 api/Dockerfile, api/src/main/resources/application.yml',
    api: [],
    imageUser: 'kafkaui',
    writes: () => ['/tmp'],
    env: [
      { name: 'KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS', why: 'the cluster it shows' },
      { name: 'DYNAMIC_CONFIG_ENABLED', value: 'false', why: 'otherwise it writes /etc/kafkaui (util/DynamicConfigOperations.java)' },
    ],
    ports: [8080],
    probes: [{ http: { path: '/actuator/health', port: 8080 } }],
    outbound: [{ host: 'api.github.com', off: { env: 'GITHUB_RELEASE_INFO_ENABLED', value: 'false' } }],
    connects: [],
    login: { env: { AUTH_TYPE: 'LOGIN_FORM' }, secretEnv: ['SPRING_SECURITY_USER_PASSWORD'], open: ['/actuator/health'] },
    notes: [
      {
        need: 'AUTH_TYPE=LOGIN_FORM: every path but the whitelist (/actuator/health, /login, static files) answers only after a login; one user from SPRING_SECURITY_USER_NAME / _PASSWORD',
        source: 'api/src/main/java/io/kafbat/ui/config/auth/BasicAuthSecurityConfig.java, AbstractAuthSecurityConfig.java (AUTH_WHITELIST)',
        check: 'login',
      },
      { need: 'no Kubernetes API', source: 'api/build.gradle (no Kubernetes client)', check: 'api' },
      { need: 'USER kafkaui (a name: runAsUser must be numeric); writes /tmp (native compression libraries, the JVM)', source: 'api/Dockerfile', check: 'user' },
      { need: 'DYNAMIC_CONFIG_ENABLED=false, or it writes /etc/kafkaui', source: 'util/DynamicConfigOperations.java', check: 'env' },
      { need: 'port 8080; /actuator/health', source: 'application.yml (management endpoints health,info,prometheus)', check: 'ports' },
      { need: 'api.github.com hourly unless GITHUB_RELEASE_INFO_ENABLED=false', source: 'util/GithubReleaseInfo.java, service/ApplicationInfoService.java', check: 'env' },
    ],
  },
  {
    image: 'amir20/dozzle',
    tag: 'v8.14.4',
    setting: 'dozzleImage',
    source: 'amir20/dozzle@v8.14.4 Dockerfile, main.go, internal/k8s/client.go, internal/k8s/stats_collector.go, internal/support/cli/args.go',
    api: [
      { verbs: ['list'], group: '', resource: 'nodes', scope: 'cluster', why: 'at start (NewK8sClient, NewK8sClusterService): fatal on error' },
      { verbs: ['list', 'watch', 'get'], group: '', resource: 'pods', scope: 'watched', why: 'the pods it shows' },
      { verbs: ['get'], group: '', resource: 'pods/log', scope: 'watched', why: 'the logs it streams' },
      { verbs: ['list'], group: 'metrics.k8s.io', resource: 'pods', scope: 'watched', why: 'every second while a page is open; log.Panic on any error (the process exits)' },
      { verbs: ['list'], group: '', resource: 'pods', scope: { namespace: 'default' }, why: '/healthcheck (Ping lists one pod of default; 500 otherwise)' },
    ],
    watched: (env) => (env.DOZZLE_NAMESPACE ? env.DOZZLE_NAMESPACE.split(',').map((n) => n.trim()) : 'all'),
    imageUser: 'root',
    writes: () => ['/data'],
    env: [{ name: 'DOZZLE_MODE', value: 'k8s', why: 'reads the pods through the API (the default is the Docker socket)' }],
    ports: [8080],
    probes: [{ http: { path: '/healthcheck', port: 8080 } }],
    outbound: [
      { host: 'b.dozzle.dev', off: { env: 'DOZZLE_NO_ANALYTICS', value: 'true' } },
      { host: 'api.github.com', off: { env: 'DOZZLE_RELEASE_CHECK_MODE', value: 'manual' } },
      { host: 'gravatar.com', off: { env: 'DOZZLE_DISABLE_AVATARS', value: 'true' } },
    ],
    connects: ['kubernetes-api'],
    login: { env: { DOZZLE_AUTH_PROVIDER: 'simple' }, usersFile: '/data/users.yml', open: ['/healthcheck'] },
    notes: [
      {
        need: 'DOZZLE_AUTH_PROVIDER=simple: reads ./data/users.yml (exits without it); every route but /healthcheck answers only after a login',
        source: 'main.go (simple auth, users file); internal/web/routes.go (RequireAuthentication group; /healthcheck outside it)',
        check: 'login',
      },
      { need: 'nodes list; pods list, watch, get and pods/log get in the namespaces it watches (all unless DOZZLE_NAMESPACE); pods list in default', source: 'internal/k8s/client.go (lines 72, 130, 183, 210, 228, 284)', check: 'api' },
      { need: 'metrics.k8s.io pods list every second while a page is open; exits on any error', source: 'internal/k8s/stats_collector.go Start: log.Panic()', check: 'api' },
      { need: 'FROM scratch, no USER (root): runAsUser must be numeric; writes /data (mkdir ./data, profiles), reads /data/users.yml', source: 'Dockerfile; main.go; internal/profile', check: 'user' },
      { need: 'DOZZLE_MODE=k8s', source: 'internal/support/cli/args.go', check: 'env' },
      { need: 'port 8080; /healthcheck', source: 'internal/support/cli/args.go (DOZZLE_ADDR :8080); internal/web/routes.go', check: 'ports' },
      { need: 'b.dozzle.dev, api.github.com, gravatar.com unless turned off', source: 'internal/analytics; internal/releases; internal/web/avatar.go', check: 'env' },
    ],
  },
  {
    image: 'jaegertracing/jaeger',
    tag: '2.20.0',
    setting: 'jaegerImage',
    source: 'jaegertracing/jaeger@v2.20.0 cmd/jaeger/Dockerfile, cmd/jaeger/internal/all-in-one.yaml',
    api: [],
    imageUser: 10001,
    writes: () => ['/tmp'],
    env: [],
    ports: [16686, 4318, 13133],
    probes: [{ http: { path: '/status', port: 13133 } }],
    outbound: [],
    connects: [],
    notes: [
      { need: 'no Kubernetes API', source: 'cmd/jaeger/internal/components.go (no k8s component)', check: 'api' },
      { need: 'USER 10001; VOLUME /tmp (nothing written with memory storage)', source: 'cmd/jaeger/Dockerfile', check: 'user' },
      { need: 'ports 16686 (UI), 4318 (OTLP/HTTP), 13133 (health, /status); JAEGER_LISTEN_HOST=0.0.0.0 set by the image', source: 'all-in-one.yaml; Dockerfile ENV', check: 'ports' },
    ],
  },
  {
    image: 'registry.k8s.io/metrics-server/metrics-server',
    tag: 'v0.8.1',
    setting: 'metricsServerImage',
    source: 'kubernetes-sigs/metrics-server@v0.8.1 manifests/base, Dockerfile, pkg/server, pkg/scraper',
    api: [
      { verbs: ['list', 'watch'], group: '', resource: 'nodes', scope: 'cluster', why: 'the nodes it scrapes (informer)' },
      { verbs: ['list', 'watch'], group: '', resource: 'pods', scope: 'cluster', why: 'running pods (metadata informer)' },
      { verbs: ['get'], group: '', resource: 'nodes/metrics', scope: 'cluster', why: 'the kubelet authorizes /metrics/resource by it' },
      {
        verbs: ['get', 'list', 'watch'],
        group: '',
        resource: 'configmaps',
        scope: { namespace: 'kube-system', name: 'extension-apiserver-authentication' },
        why: 'the client CA of the requests the API server proxies',
      },
      { verbs: ['create'], group: 'authentication.k8s.io', resource: 'tokenreviews', scope: 'cluster', why: 'delegated authentication' },
      { verbs: ['create'], group: 'authorization.k8s.io', resource: 'subjectaccessreviews', scope: 'cluster', why: 'delegated authorization' },
    ],
    imageUser: 65534,
    writes: () => ['/tmp'],
    env: [],
    args: [
      { arg: '--cert-dir=/tmp', why: 'its self-signed serving certificate goes there' },
      { arg: '--kubelet-insecure-tls', why: "kind's and minikube's kubelets serve self-signed certificates" },
    ],
    ports: [10250],
    probes: [{ http: { path: '/readyz', port: 10250, scheme: 'HTTPS' } }, { http: { path: '/livez', port: 10250, scheme: 'HTTPS' } }],
    outbound: [],
    connects: ['kubernetes-api', 'kubelets'],
    serves: { group: 'metrics.k8s.io', version: 'v1beta1' },
    notes: [
      { need: 'nodes and pods list/watch, nodes/metrics get; the kube-system ConfigMap extension-apiserver-authentication; tokenreviews and subjectaccessreviews create', source: 'manifests/base/rbac.yaml; pkg/server/config.go; k8s.io/apiserver delegated authn/authz', check: 'api' },
      { need: 'USER 65534; writes its certificate to --cert-dir (/tmp)', source: 'Dockerfile; manifests/base/deployment.yaml', check: 'user' },
      { need: '--kubelet-insecure-tls where kubelets serve self-signed certificates (kind, minikube)', source: 'README Requirements; manifests/components/test (kind)', check: 'env' },
      { need: 'port 10250 (HTTPS): /readyz after its first scrape, /livez', source: 'pkg/server/server.go RegisterProbes; pkg/storage', check: 'ports' },
      { need: 'reaches the API and every kubelet on 10250; serves metrics.k8s.io/v1beta1 through an APIService', source: 'pkg/scraper/client/resource/client.go; manifests/base/apiservice.yaml', check: 'network' },
    ],
  },
];

/** The needs of the image a container runs, if it is one of the above. */
export function needsOf(container: any): ImageNeeds | undefined {
  const image = String(container.image ?? '');
  const repository = image.replace(/(@sha256:[a-f0-9]+)?$/, '').replace(/:[^/:]+$/, '');
  const needs = IMAGE_NEEDS.find((n) => n.image === repository);
  return needs && (!needs.appliesTo || needs.appliesTo(container)) ? needs : undefined;
}
