import { expect } from 'chai';
import { declaredInPulumiYaml as declaredConfig } from '../src/settings/pulumi-yaml.js';
import { buildAwaitGraph } from './cluster/await-graph.js';
import { BUILT_IN_GROUPS, CHECKS, IMAGE_NEEDS, needsOf, type ImageNeeds, type ProbeTarget } from './cluster/image-needs.js';
import { find, ofKind, podSpecOf, selectedWorkloads, workloads, type KubeObject } from './cluster/objects.js';
import { podsOf, type ModelPod } from './cluster/pods.js';
import { secretValue } from './cluster/environment.js';
import { rbacAllows, type ApiRequest } from './cluster/rbac.js';
import { allModelVariants, runVariant, variantName, type Variant } from './support/program.js';

/** A container of a third-party image, in its pod, with what its image needs. */
interface Subject {
  label: string;
  pod: ModelPod;
  container: any;
  env: Record<string, string>;
  needs: ImageNeeds;
}

function subjectsOf(objects: KubeObject[]): Subject[] {
  return workloads(objects).flatMap((workload) =>
    podsOf(objects, workload).flatMap((pod) =>
      pod.containers
        .map((c) => ({ c, needs: needsOf(c.container) }))
        .filter((x): x is { c: (typeof pod.containers)[number]; needs: ImageNeeds } => x.needs !== undefined)
        .map(({ c, needs }) => ({ label: `${workload.namespace}/${pod.name}/${c.container.name}`, pod, container: c.container, env: c.environment.env, needs })),
    ),
  );
}

/**
 * API groups the cluster serves without the stack: kube-apiserver's own; metrics.k8s.io too
 * where the stack is told the cluster has it (metricsServer off). minikube-up.sh turns it off
 * only when the profile's metrics-server addon is on; kind clusters have none.
 */
function clusterGroups(variant: Variant): string[] {
  const told = variant.config.metricsServer === 'false' && variant.flavour !== 'kind';
  return [...BUILT_IN_GROUPS, ...(told ? ['metrics.k8s.io'] : [])];
}

/** Whether an APIService of the stack serves the group from a Service that selects running pods. */
function stackServes(objects: KubeObject[], group: string): boolean {
  return ofKind(objects, 'APIService').some((api) => {
    if (api.body.spec.group !== group || !api.body.spec.service) return false;
    const service = ofKind(objects, 'Service').find((s) => s.namespace === api.body.spec.service.namespace && s.name === api.body.spec.service.name);
    return service !== undefined && selectedWorkloads(service, objects).length > 0;
  });
}

function apiProblems(variant: Variant, objects: KubeObject[], s: Subject): string[] {
  if (s.needs.api.length === 0) return [];
  const spec = podSpecOf(s.pod.workload);
  const account = { namespace: s.pod.workload.namespace, name: spec.serviceAccountName ?? 'default' };
  const problems: string[] = [];
  if (spec.automountServiceAccountToken !== true) problems.push(`${s.label}: no service account token (automountServiceAccountToken), yet it calls the API`);
  const watched = s.needs.watched?.(s.env) ?? 'all';
  for (const need of s.needs.api) {
    if (!clusterGroups(variant).includes(need.group) && !stackServes(objects, need.group)) {
      problems.push(`${s.label}: ${need.group}/${need.resource} is served by nothing in the cluster (${need.why})`);
      continue;
    }
    const requests: Omit<ApiRequest, 'verb'>[] =
      need.scope === 'cluster'
        ? [{ group: need.group, resource: need.resource, namespace: null }]
        : need.scope === 'watched'
          ? watched === 'all'
            ? [{ group: need.group, resource: need.resource, namespace: null }]
            : watched.map((namespace) => ({ group: need.group, resource: need.resource, namespace }))
          : [{ group: need.group, resource: need.resource, namespace: need.scope.namespace, ...(need.scope.name ? { name: need.scope.name } : {}) }];
    for (const request of requests) {
      for (const verb of need.verbs) {
        if (!rbacAllows(objects, account, { ...request, verb })) {
          problems.push(`${s.label}: ${verb} ${need.group || 'core'}/${need.resource} in ${request.namespace ?? 'every namespace'} is not allowed to ${account.namespace}/${account.name} (${need.why})`);
        }
      }
    }
  }
  return problems;
}

function userProblems(s: Subject): string[] {
  const pod = podSpecOf(s.pod.workload).securityContext ?? {};
  const own = s.container.securityContext ?? {};
  const nonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
  const uid = own.runAsUser ?? pod.runAsUser;
  const problems: string[] = [];
  const imageRunsAsNumber = typeof s.needs.imageUser === 'number' && s.needs.imageUser > 0;
  if (nonRoot && !imageRunsAsNumber && typeof uid !== 'number') {
    problems.push(`${s.label}: the image's USER is ${s.needs.imageUser}; under runAsNonRoot the kubelet refuses it without a numeric runAsUser`);
  }
  if (s.needs.uid !== undefined && uid !== s.needs.uid) problems.push(`${s.label}: runs as ${uid}, its files need uid ${s.needs.uid}`);
  return problems;
}

function writeProblems(s: Subject): string[] {
  const spec = podSpecOf(s.pod.workload);
  const claims = new Set<string>((s.pod.workload.body.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name));
  const writable = (name: string) => {
    const volume = (spec.volumes ?? []).find((v: any) => v.name === name);
    return claims.has(name) || volume?.emptyDir !== undefined || volume?.persistentVolumeClaim !== undefined;
  };
  return s.needs.writes(s.pod, s.container).flatMap((path) => {
    const mount = (s.container.volumeMounts ?? [])
      .filter((m: any) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
      .sort((a: any, b: any) => b.mountPath.length - a.mountPath.length)[0];
    if (!mount) return [`${s.label}: writes ${path}, which no volume holds (the image's own directories are not its user's, or read-only)`];
    if (mount.readOnly || !writable(mount.name)) return [`${s.label}: writes ${path}, on the read-only volume ${mount.name}`];
    return [];
  });
}

function envProblems(s: Subject): string[] {
  const problems: string[] = [];
  for (const need of s.needs.env.filter((n) => !n.when || n.when(s.pod, s.container))) {
    const value = s.env[need.name];
    const ok =
      value !== undefined && (need.value === undefined || (typeof need.value === 'string' ? value === need.value : need.value(value)));
    if (!ok) problems.push(`${s.label}: ${need.name}=${value ?? '(unset)'}: ${need.why}`);
  }
  for (const { arg, why } of s.needs.args ?? []) {
    if (!(s.container.args ?? []).includes(arg)) problems.push(`${s.label}: started without ${arg} (${why})`);
  }
  for (const { host, off } of s.needs.outbound) {
    if (s.env[off.env] !== off.value) problems.push(`${s.label}: reaches ${host} on its own unless ${off.env}=${off.value}`);
  }
  return problems;
}

function portProblems(s: Subject): string[] {
  const declared: { name?: string; containerPort: number }[] = s.container.ports ?? [];
  const problems = declared.filter((p) => !s.needs.ports.includes(p.containerPort)).map((p) => `${s.label}: declares port ${p.containerPort}, on which it serves nothing`);
  const portOf = (port: number | string) => (typeof port === 'number' ? port : declared.find((p) => p.name === port)?.containerPort);
  const served = (probe: any, target: ProbeTarget) => {
    if (probe.httpGet && target.http) {
      return probe.httpGet.path === target.http.path && portOf(probe.httpGet.port) === target.http.port && (probe.httpGet.scheme ?? 'HTTP') === (target.http.scheme ?? 'HTTP');
    }
    if (probe.tcpSocket && target.tcp !== undefined) return portOf(probe.tcpSocket.port) === target.tcp;
    if (probe.exec && target.exec) return target.exec.every((word, i) => probe.exec.command[i] === word);
    return false;
  };
  for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const probe = s.container[kind];
    if (probe && !s.needs.probes.some((t) => served(probe, t))) problems.push(`${s.label}: its ${kind} asks for something the image does not serve`);
  }
  return problems;
}

function loginProblems(objects: KubeObject[], s: Subject): string[] {
  const login = s.needs.login;
  if (!login) return [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(login.env)) {
    if (s.env[name] !== value) problems.push(`${s.label}: ${name}=${s.env[name] ?? '(unset)'}: anyone who reaches it gets in without ${name}=${value}`);
  }
  for (const name of login.secretEnv ?? []) {
    const declared = (s.container.env ?? []).find((e: any) => e.name === name);
    if (!declared?.valueFrom?.secretKeyRef) problems.push(`${s.label}: ${name} is not taken from a Secret`);
    else if (!s.env[name]) problems.push(`${s.label}: ${name} is empty`);
  }
  if (login.usersFile) {
    const mount = (s.container.volumeMounts ?? []).find((m: any) => m.mountPath === login.usersFile);
    const volume = mount && (podSpecOf(s.pod.workload).volumes ?? []).find((v: any) => v.name === mount.name);
    const secret = volume?.secret && find(objects, 'Secret', s.pod.workload.namespace, volume.secret.secretName);
    const text = secret ? secretValue(secret, mount.subPath ?? login.usersFile.split('/').pop()!) : undefined;
    if (!volume?.secret) problems.push(`${s.label}: ${login.usersFile} is not mounted from a Secret`);
    else if (!text || !/password: "\$2[aby]\$\d\d\$/.test(text)) problems.push(`${s.label}: ${login.usersFile} holds no user with a bcrypt hash`);
  }
  for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const path = s.container[kind]?.httpGet?.path;
    if (path !== undefined && !login.open.includes(path)) problems.push(`${s.label}: its ${kind} asks ${path}, which answers only after a login`);
  }
  return problems;
}

/** Everything a variant's stack fails to give its third-party images. */
function imageProblems(variant: Variant, objects: KubeObject[]): string[] {
  return subjectsOf(objects).flatMap((s) => [
    ...apiProblems(variant, objects, s),
    ...userProblems(s),
    ...writeProblems(s),
    ...envProblems(s),
    ...portProblems(s),
    ...loginProblems(objects, s),
  ]);
}

describe('cluster model: every third-party image gets what its own code needs, in every variant', function () {
  this.timeout(300000);
  const variants: { name: string; variant: Variant; objects: KubeObject[] }[] = [];

  before(async function () {
    for (const variant of await allModelVariants()) variants.push({ name: variantName(variant), variant, objects: buildAwaitGraph(variant.resources).objects });
  });

  it('the stack pins the very tags the needs were read at (a bump means reading the image again)', function () {
    const config = declaredConfig();
    for (const needs of IMAGE_NEEDS) expect(config[needs.setting]?.default, needs.setting).to.equal(`${needs.image}:${needs.tag}`);
  });

  it('every container of the stack runs either an image built here or one whose needs are read', function () {
    for (const { name, variant, objects } of variants) {
      const images = workloads(objects).flatMap((w) => [...(podSpecOf(w).initContainers ?? []), ...podSpecOf(w).containers]).map((c: any) => String(c.image));
      const builtHere = Object.values(variant.outputs.images as Record<string, string>);
      expect(builtHere, name).to.have.length(4); // the three services and the identity service
      const known = (image: string) => IMAGE_NEEDS.some((n) => image.startsWith(`${n.image}:`)) || builtHere.includes(image);
      expect(images.filter((i) => !known(i)), name).to.deep.equal([]);
    }
    const counted = new Set(variants.flatMap(({ objects }) => subjectsOf(objects).map((s) => s.needs.image)));
    expect([...counted].sort()).to.deep.equal(IMAGE_NEEDS.map((n) => n.image).sort());
  });

  it(CHECKS.api, function () {
    expect(variants.flatMap(({ name, variant, objects }) => subjectsOf(objects).flatMap((s) => apiProblems(variant, objects, s)).map((p) => `${name} ${p}`))).to.deep.equal([]);
  });

  it(CHECKS.user, function () {
    expect(variants.flatMap(({ name, objects }) => subjectsOf(objects).flatMap(userProblems).map((p) => `${name} ${p}`))).to.deep.equal([]);
  });

  it(CHECKS.writes, function () {
    expect(variants.flatMap(({ name, objects }) => subjectsOf(objects).flatMap(writeProblems).map((p) => `${name} ${p}`))).to.deep.equal([]);
  });

  it(CHECKS.env, function () {
    expect(variants.flatMap(({ name, objects }) => subjectsOf(objects).flatMap(envProblems).map((p) => `${name} ${p}`))).to.deep.equal([]);
  });

  it(CHECKS.login, function () {
    expect(variants.flatMap(({ name, objects }) => subjectsOf(objects).flatMap((s) => loginProblems(objects, s)).map((p) => `${name} ${p}`))).to.deep.equal([]);
  });

  it('the login check can fail: a stack with the logins off, a password given as a plain value, a probe behind the login', async function () {
    const off = await runVariant('kind', 'zookeeper', { dozzleAuth: 'false', kafkaUiAuth: 'false' });
    const offObjects = buildAwaitGraph(off.resources).objects;
    expect(imageProblems(off, offObjects)).to.include.members([
      'kafka/dozzle-pod/dozzle: DOZZLE_AUTH_PROVIDER=(unset): anyone who reaches it gets in without DOZZLE_AUTH_PROVIDER=simple',
      'kafka/kafka-ui-pod/kafka-ui: AUTH_TYPE=DISABLED: anyone who reaches it gets in without AUTH_TYPE=LOGIN_FORM',
      'kafka/dozzle-pod/dozzle: /data/users.yml is not mounted from a Secret',
    ]);
    const kind = variants.find((v) => v.variant.flavour === 'kind' && v.variant.mode === 'zookeeper')!;
    const changed = kind.objects.map((o) => (o.kind === 'Deployment' && o.name === 'kafka-ui' ? structuredClone(o) : o));
    const ui = podSpecOf(changed.find((o) => o.kind === 'Deployment' && o.name === 'kafka-ui')!).containers[0];
    ui.env = ui.env.map((e: any) => (e.name === 'SPRING_SECURITY_USER_PASSWORD' ? { name: e.name, value: 'plain' } : e));
    ui.readinessProbe.httpGet.path = '/api/clusters';
    expect(imageProblems(kind.variant, changed)).to.include.members([
      'kafka/kafka-ui-pod/kafka-ui: SPRING_SECURITY_USER_PASSWORD is not taken from a Secret',
      'kafka/kafka-ui-pod/kafka-ui: its readinessProbe asks /api/clusters, which answers only after a login',
    ]);
  });

  it(CHECKS.ports, function () {
    expect(variants.flatMap(({ name, objects }) => subjectsOf(objects).flatMap(portProblems).map((p) => `${name} ${p}`))).to.deep.equal([]);
  });

  it('the check can fail: Dozzle with no metrics.k8s.io, without its role, with /data read-only; a KRaft id that starts with -', async function () {
    const kind = variants.find((v) => v.variant.flavour === 'kind' && v.variant.mode === 'kraft')!;
    // A kind stack told not to deploy metrics-server: nothing serves metrics.k8s.io.
    const without = await runVariant('kind', 'zookeeper', { metricsServer: 'false' });
    const withoutObjects = buildAwaitGraph(without.resources).objects;
    expect(imageProblems(without, withoutObjects)).to.include(
      'kafka/dozzle-pod/dozzle: metrics.k8s.io/pods is served by nothing in the cluster (every second while a page is open; log.Panic on any error (the process exits))',
    );
    expect(ofKind(withoutObjects, 'APIService')).to.have.length(0);
    const noBinding = kind.objects.filter(
      (o) => !((o.kind === 'ClusterRoleBinding' && o.name.startsWith('orders-dozzle')) || (o.kind === 'RoleBinding' && o.name === 'dozzle-log-reader')),
    );
    expect(imageProblems(kind.variant, noBinding).filter((p) => p.includes('dozzle-pod'))).to.have.length.greaterThan(4);
    const readOnly = kind.objects.map((o) =>
      o.kind === 'Deployment' && o.name === 'dozzle' ? structuredClone(o) : o,
    );
    const dozzle = readOnly.find((o) => o.kind === 'Deployment' && o.name === 'dozzle')!;
    podSpecOf(dozzle).containers[0].volumeMounts.find((m: any) => m.mountPath === '/data').readOnly = true;
    expect(imageProblems(kind.variant, readOnly)).to.include('kafka/dozzle-pod/dozzle: writes /data, on the read-only volume data');
    const badId = kind.objects.map((o) => (o.kind === 'StatefulSet' && o.name === 'kafka' ? structuredClone(o) : o));
    const broker = podSpecOf(badId.find((o) => o.kind === 'StatefulSet' && o.name === 'kafka')!).containers[0];
    broker.env.find((e: any) => e.name === 'KAFKA_CLUSTER_ID').value = '-NlIj0ntD1VZHUTuodIRSQ';
    expect(imageProblems(kind.variant, badId).some((p) => p.startsWith('kafka/kafka-0/kafka: KAFKA_CLUSTER_ID=-NlIj0ntD1VZHUTuodIRSQ'))).to.equal(true);
  });
});
