import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { PROBE_PATHS, SERVICE_CONTRACTS } from '@orders/contracts';
import { kafkaVersion, parseProperties } from '@orders/kafka-config';
import { REPO_ROOT } from '../src/paths.js';
import { parseSettings, SECRET_KEYS, STACK_SETTINGS, StackConfigError } from '../src/settings/stack-settings.js';
import { declaredInPulumiYaml, declaredInPulumiYaml as declaredConfig, projectConfig } from '../src/settings/pulumi-yaml.js';
import { kafkaSettings } from '@orders/messaging';
import { orderSettings } from '@orders/order-service/config';
import { NODE_PORT_KEYS } from '../src/kind.js';
import bcrypt from 'bcryptjs';
import { loadStackConfig } from '../src/config.js';
import { deployStack } from '../src/stack.js';
import { ofType, plainText, PROJECT, runProgram, unwrapSecrets } from './support/mocks.js';
import { containersOf, isKubernetes, runVariant, TEST_SECRETS, VARIANTS, type Variant } from './support/program.js';

/** kubernetes:apps/v1:Deployment → kubernetes-models/apps/v1/Deployment */
function modelPath(type: string): string {
  const [, groupVersion, kind] = /^kubernetes:(.+):(\w+)$/.exec(type)!;
  const gv = groupVersion!.startsWith('core/') ? groupVersion!.slice('core/'.length) : groupVersion!;
  return `kubernetes-models/${gv}/${kind}`;
}

async function schemaErrors(variant: Variant): Promise<string[]> {
  const errors: string[] = [];
  for (const resource of variant.resources.filter(isKubernetes)) {
    if (resource.type === 'pulumi:providers:kubernetes' || resource.type.startsWith('kubernetes:index')) continue;
    const module = await import(modelPath(resource.type));
    const Model = Object.values(module)[0] as new (data: unknown) => { validate(): void };
    try {
      new Model(unwrapSecrets(resource.inputs)).validate();
    } catch (error) {
      errors.push(`${resource.type} ${resource.name}: ${(error as Error).message}`);
    }
  }
  return errors;
}

const count = (variant: Variant, type: string) => ofType(variant.resources, type).filter((r) => !r.read).length;
const K = {
  Namespace: 'kubernetes:core/v1:Namespace',
  Secret: 'kubernetes:core/v1:Secret',
  ConfigMap: 'kubernetes:core/v1:ConfigMap',
  Service: 'kubernetes:core/v1:Service',
  ServiceAccount: 'kubernetes:core/v1:ServiceAccount',
  StatefulSet: 'kubernetes:apps/v1:StatefulSet',
  Deployment: 'kubernetes:apps/v1:Deployment',
  Job: 'kubernetes:batch/v1:Job',
  NetworkPolicy: 'kubernetes:networking.k8s.io/v1:NetworkPolicy',
  ClusterRole: 'kubernetes:rbac.authorization.k8s.io/v1:ClusterRole',
  ClusterRoleBinding: 'kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding',
  RoleBinding: 'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding',
  APIService: 'kubernetes:apiregistration.k8s.io/v1:APIService',
  Image: 'docker:index/image:Image',
  Command: 'command:local:Command',
};

describe('Pulumi program (engine mocks)', function () {
  this.timeout(60000);
  const variants = new Map<string, Variant>();

  before(async function () {
    for (const [flavour, mode] of VARIANTS) variants.set(`${flavour}/${mode}`, await runVariant(flavour, mode));
  });

  it('declares the expected resources for every flavour × Kafka mode', function () {
    const table: string[] = [];
    for (const [key, v] of variants) {
      const zk = v.mode === 'zookeeper' ? 1 : 0;
      expect(count(v, K.Namespace), key).to.equal(5); // order, payment, inventory, identity, kafka (Dozzle shares kafka)
      expect(count(v, K.StatefulSet), key).to.equal(4 + 1 + zk); // 4 PostgreSQL, Kafka, ZooKeeper
      expect(count(v, K.Deployment), key).to.equal(4 + 3); // 3 services and identity, Kafka UI, Dozzle, metrics-server
      expect(count(v, K.Job), key).to.equal(4 + 1); // 4 migrations, topics
      expect(count(v, K.Service), key).to.equal(4 * 2 + 2 + zk + 3); // services+postgres, kafka×2, zk, ui, dozzle, metrics-server
      // Per namespace: deny all, DNS. Each database: ingress + 2 egress; Kafka: peers (ingress + egress),
      // clients (ingress + 5 egress); ZooKeeper: ingress + egress; the 6 published apps; Dozzle to the API;
      // metrics-server's own pod in kube-system: from the API server, to the API, to the kubelets; the
      // identity service's keys: ingress + 3 egress (the services).
      expect(count(v, K.NetworkPolicy), key).to.equal(5 * 2 + 4 * 3 + 2 + 6 + zk * 2 + 6 + 1 + 3 + 4);
      // Per database: superuser, application role; Dozzle users; Kafka UI login; the identity service's
      // logins. Kafka: the brokers' users, and each client's password in its namespace (3 services,
      // the topic Job, Kafka UI).
      expect(count(v, K.Secret), key).to.equal(4 * 2 + 2 + 1 + 1 + 5);
      expect(count(v, K.ConfigMap), key).to.equal(4 + 2); // 3 services and identity, kafka-config, the alert rules
      expect(count(v, K.ClusterRole), key).to.equal(2); // Dozzle's, metrics-server's
      expect(count(v, K.APIService), key).to.equal(1); // metrics.k8s.io
      // metrics-server reads kube-system's authentication ConfigMap; Dozzle reads the 5 namespaces and lists pods of default.
      expect(count(v, K.RoleBinding), key).to.equal(1 + 5 + 1);
      expect(count(v, K.Image), key).to.equal(4);
      const loads = v.flavour === 'registry' ? 0 : 4;
      expect(count(v, K.Command), key).to.equal(loads + (v.flavour === 'minikube' ? 1 : 0));
      table.push(`${key}: ${v.resources.filter((r) => !r.type.startsWith('orders:')).length} resources`);
    }
    console.log(`      ${table.join('\n      ')}`);
  });

  it('validates every Kubernetes object against the Kubernetes OpenAPI schema with zero errors', async function () {
    for (const [key, v] of variants) expect(await schemaErrors(v), key).to.deep.equal([]);
  });

  it('gives every container limits and a non-root, no-escalation, no-capability securityContext', function () {
    for (const [key, v] of variants) {
      for (const { container, workload } of v.resources.flatMap(containersOf)) {
        const where = `${key} ${workload.name}/${container.name}`;
        expect(container.resources?.limits?.cpu, where).to.be.a('string');
        expect(container.resources?.limits?.memory, where).to.be.a('string');
        const sc = container.securityContext ?? {};
        expect(sc.runAsNonRoot, where).to.equal(true);
        expect(sc.runAsUser, where).to.be.above(0);
        expect(sc.allowPrivilegeEscalation, where).to.equal(false);
        expect(sc.capabilities?.drop, where).to.deep.equal(['ALL']);
      }
    }
  });

  it('gives every long-running container liveness and readiness probes', function () {
    for (const [key, v] of variants) {
      const workloads = [...ofType(v.resources, K.Deployment), ...ofType(v.resources, K.StatefulSet)];
      for (const { container, workload, init } of workloads.flatMap(containersOf)) {
        if (init) continue;
        expect(container.livenessProbe, `${key} ${workload.name}`).to.be.an('object');
        expect(container.readinessProbe, `${key} ${workload.name}`).to.be.an('object');
      }
    }
  });

  it('runs the services read-only with the contract of their code: command, port, probes', function () {
    const v = variants.get('kind/zookeeper')!;
    for (const contract of Object.values(SERVICE_CONTRACTS)) {
      const deployment = ofType(v.resources, K.Deployment).find((d) => d.inputs.metadata.name === contract.serviceName)!;
      const { container } = containersOf(deployment)[0]!;
      expect(container.command).to.deep.equal([...contract.entrypoint, 'start']);
      expect(container.ports).to.deep.equal([{ name: 'http', containerPort: contract.httpPort }]);
      expect(container.livenessProbe.httpGet.path).to.equal(PROBE_PATHS.liveness);
      expect(container.readinessProbe.httpGet.path).to.equal(PROBE_PATHS.readiness);
      expect(container.securityContext.readOnlyRootFilesystem).to.equal(true);
      const job = ofType(v.resources, K.Job).find((j) => j.inputs.metadata.name.startsWith(`${contract.serviceName}-migrate-`))!;
      const migrate = containersOf(job).find((c) => !c.init)!.container;
      expect(migrate.command).to.deep.equal([...contract.entrypoint, 'migrate']);
      expect(deployment.inputs.spec.strategy.rollingUpdate).to.deep.equal({ maxUnavailable: 0, maxSurge: 1 });
    }
  });

  it('never tries a remote registry for a local image, and pushes for the registry flavour', function () {
    for (const [key, v] of variants) {
      for (const { container, workload } of ofType(v.resources, K.Deployment).flatMap(containersOf)) {
        if (!String(container.image).includes('orders')) continue;
        const expected = v.flavour === 'registry' ? 'IfNotPresent' : 'Never';
        expect(container.imagePullPolicy, `${key} ${workload.name}`).to.equal(expected);
        if (v.flavour === 'registry') expect(container.image).to.match(/^registry\.example\.test:5000\/.+@sha256:/);
        else expect(container.image).to.match(/^orders\/\w+-service:[0-9a-f]{16}$/);
      }
      for (const image of ofType(v.resources, K.Image)) expect(image.inputs.skipPush, key).to.equal(v.flavour !== 'registry');
      const loads = ofType(v.resources, K.Command).map((c) => c.inputs.create).filter((c) => !String(c).endsWith(' ip'));
      if (v.flavour === 'kind') for (const l of loads) expect(l).to.match(/^bash scripts\/lib\/load-image\.sh kind orders\/\w+-service:\w+ orders$/);
      if (v.flavour === 'minikube') for (const l of loads) expect(l).to.match(/^bash scripts\/lib\/load-image\.sh minikube orders\/\w+-service:\w+ minikube$/);
    }
  });

  it('keeps secrets out of plain text: only secret-marked values hold them, outputs hold none', function () {
    for (const [key, v] of variants) {
      const generated = ofType(v.resources, 'random:index/randomPassword:RandomPassword').map((r) => `generated-${r.name}-Xq7`);
      const secretValues = [...Object.values(TEST_SECRETS), ...generated];
      for (const resource of v.resources) {
        if (resource.type === 'random:index/randomPassword:RandomPassword') continue;
        const text = plainText(resource.inputs);
        for (const secret of secretValues) expect(text, `${key} ${resource.type} ${resource.name}`).to.not.include(secret);
      }
      const outputs = plainText(v.outputs);
      for (const secret of secretValues) expect(outputs, key).to.not.include(secret);
      expect(unwrapSecrets(v.outputs.logins).dozzle, `${key}: the logins output holds the password, as a secret`).to.deep.equal({ username: 'admin', password: TEST_SECRETS.dozzlePassword });
      // A secret put in a ConfigMap or a pod spec would be marked secret by Pulumi yet plain in the cluster.
      for (const resource of v.resources.filter((r) => isKubernetes(r) && r.type !== K.Secret)) {
        expect(plainText(resource.inputs), `${key} ${resource.type} ${resource.name}`).to.not.include('[secret]');
      }
      const secrets = ofType(v.resources, K.Secret).map((s) => ({ name: s.name, data: unwrapSecrets(s.inputs).stringData }));
      const passwordOf = (name: string) => secrets.find((s) => s.name === name)!.data.DB_PASSWORD;
      expect(passwordOf('order-postgres-app'), 'a set password is used').to.equal(TEST_SECRETS.orderDbPassword);
      expect(passwordOf('payment-postgres-app'), 'an unset one is generated').to.equal('generated-payment-db-password-Xq7');
      const admin = secrets.find((s) => s.name === 'order-postgres-admin')!.data;
      expect(admin, 'the superuser password is always generated').to.deep.equal({ POSTGRES_PASSWORD: 'generated-order-postgres-admin-password-Xq7' });
      const users = secrets.find((s) => s.name === 'dozzle-users')!;
      expect(users.data['users.yml']).to.match(/password: "\$2[aby]\$11\$/);
      expect(users.data['users.yml']).to.not.include(TEST_SECRETS.dozzlePassword);
    }
  });

  it('gives every Kafka client a user of its own, its password from a Secret of its namespace; the brokers get every user', function () {
    for (const [key, v] of variants) {
      const secrets = ofType(v.resources, K.Secret).map((s) => unwrapSecrets(s.inputs));
      const users = secrets.find((s) => s.metadata.name === 'kafka-users')!;
      expect(Object.keys(users.stringData).sort(), key).to.deep.equal(['admin', 'inventory-service', 'kafka-ui', 'order-service', 'payment-service']);
      const env = (kind: string, name: string) => {
        const w = v.resources.find((r) => r.type === kind && unwrapSecrets(r.inputs).metadata.name.startsWith(name))!;
        return unwrapSecrets(w.inputs).spec.template.spec.containers[0].env as any[];
      };
      for (const service of ['order', 'payment', 'inventory']) {
        const vars = env(K.Deployment, `${service}-service`);
        expect(vars.find((e) => e.name === 'KAFKA_SASL_USERNAME')?.value, key).to.equal(`${service}-service`);
        const ref = vars.find((e) => e.name === 'KAFKA_SASL_PASSWORD')!.valueFrom.secretKeyRef;
        const secret = secrets.find((s) => s.metadata.name === ref.name && s.metadata.namespace === service)!;
        expect(secret.stringData[ref.key], `${key} ${service}`).to.equal(users.stringData[`${service}-service`]);
      }
      expect(env(K.Job, 'kafka-topics').find((e) => e.name === 'KAFKA_SASL_USERNAME')?.value, key).to.equal('admin');
      const ui = env(K.Deployment, 'kafka-ui');
      expect(ui.find((e) => e.name === 'KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL')?.value).to.equal('SASL_PLAINTEXT');
      const jaas = secrets.find((s) => s.metadata.name === 'kafka-ui-kafka-credentials')!.stringData.jaas as string;
      expect(jaas).to.equal(`org.apache.kafka.common.security.scram.ScramLoginModule required username="kafka-ui" password="${users.stringData['kafka-ui']}";`);
    }
  });

  it("lets Dozzle read pods and logs in the system's namespaces only: a Role in each, nodes alone cluster-wide", function () {
    for (const [key, v] of variants) {
      const dozzleRoles = v.resources.filter((r) => r.type === 'kubernetes:rbac.authorization.k8s.io/v1:Role' && unwrapSecrets(r.inputs).metadata.name === 'dozzle-log-reader');
      const byNamespace = Object.fromEntries(dozzleRoles.map((r) => [unwrapSecrets(r.inputs).metadata.namespace, unwrapSecrets(r.inputs).rules]));
      expect(Object.keys(byNamespace).sort(), key).to.deep.equal(['default', 'identity', 'inventory', 'kafka', 'order', 'payment']);
      expect(byNamespace.default, `${key}: in default only the pod list its /healthcheck makes`).to.deep.equal([{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]);
      const clusterRole = ofType(v.resources, K.ClusterRole).find((r) => r.name === 'dozzle')!;
      expect(unwrapSecrets(clusterRole.inputs).rules, key).to.deep.equal([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }]);
      const dozzle = ofType(v.resources, K.Deployment).find((r) => r.name === 'dozzle')!;
      const env = unwrapSecrets(dozzle.inputs).spec.template.spec.containers[0].env as { name: string; value: string }[];
      expect(env.find((e) => e.name === 'DOZZLE_NAMESPACE')?.value, key).to.equal('order,payment,inventory,identity,kafka');
    }
  });

  it('outputs a working URL for every NodePort, the namespaces and the images', function () {
    const kind = variants.get('kind/zookeeper')!.outputs;
    expect(kind.urls).to.deep.equal({
      order: 'http://127.0.0.1:30001',
      payment: 'http://127.0.0.1:30002',
      inventory: 'http://127.0.0.1:30003',
      identity: 'http://127.0.0.1:31004',
      kafkaUi: 'http://127.0.0.1:31008',
      dozzle: 'http://127.0.0.1:31007',
      console: 'http://127.0.0.1:30001/console/',
    });
    expect(kind.namespaces).to.deep.equal({ order: 'order', payment: 'payment', inventory: 'inventory', identity: 'identity', kafka: 'kafka', dozzle: 'kafka' });
    expect(Object.keys(kind.images)).to.deep.equal(['order', 'payment', 'inventory', 'identity']);
    expect(kind.issuer).to.equal('http://127.0.0.1:31004');
    expect(variants.get('minikube/kraft')!.outputs.urls.order).to.equal('http://192.168.49.2:30001');
    expect(variants.get('registry/zookeeper')!.outputs.urls.dozzle).to.equal('http://10.0.0.5:31007');
  });

  it('has the services answer for the host name of their URLs (registry flavour; kind and minikube use IP addresses)', async function () {
    const named = await runVariant('registry', 'zookeeper', { nodeAddress: 'orders.example.test' });
    expect(named.outputs.urls.order).to.equal('http://orders.example.test:30001');
    const maps = ofType(named.resources, K.ConfigMap).filter((m) => ['order-config', 'payment-config', 'inventory-config'].includes(m.name));
    expect(maps).to.have.length(3);
    for (const map of maps) expect(unwrapSecrets(map.inputs).data.HTTP_ALLOWED_HOSTS, map.name).to.equal('orders.example.test');
    // The issuer: by its URL's name, and by its in-cluster name (the services fetch its keys there).
    const identity = ofType(named.resources, K.ConfigMap).find((m) => m.name === 'identity-config')!;
    expect(unwrapSecrets(identity.inputs).data.HTTP_ALLOWED_HOSTS).to.equal('identity-service.identity.svc.cluster.local,orders.example.test');
    expect(named.outputs.issuer).to.equal('http://orders.example.test:31004');
  });

  it("caps each service's V8 heap 160 MiB below its container's memory limit (NODE_OPTIONS), following serviceMemoryLimit", async function () {
    const heapOf = (v: Variant) =>
      ofType(v.resources, K.ConfigMap)
        .filter((c) => c.inputs.metadata.name.endsWith('-service-config'))
        .map((c) => unwrapSecrets(c.inputs).data.NODE_OPTIONS);
    const limits = (v: Variant) =>
      ofType(v.resources, K.Deployment)
        .filter((d) => d.inputs.metadata.name.endsWith('-service'))
        .map((d) => containersOf(d)[0]!.container.resources.limits.memory);
    const plain = variants.get('kind/zookeeper')!;
    expect(limits(plain)).to.deep.equal(Array(4).fill('384Mi'));
    expect(heapOf(plain)).to.deep.equal(Array(4).fill('--max-old-space-size=224'));
    const larger = await runVariant('kind', 'zookeeper', { serviceMemoryLimit: '1Gi' });
    expect(limits(larger)).to.deep.equal(Array(4).fill('1Gi'));
    expect(heapOf(larger)).to.deep.equal(Array(4).fill('--max-old-space-size=864'));
  });

  it('tracing on: Jaeger in its namespace, its UI URL in the outputs, the services sending it OTLP; off: none of it', async function () {
    const traced = await runVariant('kind', 'zookeeper', { tracing: 'true' });
    expect(traced.outputs.urls.jaeger).to.equal('http://127.0.0.1:31686');
    expect(traced.outputs.nodePorts.jaeger).to.deep.equal({ namespace: 'tracing', service: 'jaeger', port: 16686, nodePort: 31686 });
    expect(traced.outputs.namespaces.tracing).to.equal('tracing');
    const jaeger = ofType(traced.resources, K.Deployment).find((d) => d.inputs.metadata.name === 'jaeger')!;
    expect(jaeger.inputs.metadata.namespace).to.equal('tracing');
    expect(jaeger.inputs.spec.template.spec.containers[0].image).to.equal('jaegertracing/jaeger:2.20.0');
    const serviceEnv = (v: Variant) =>
      ofType(v.resources, K.ConfigMap)
        .filter((c) => c.inputs.metadata.name.endsWith('-service-config') && c.inputs.metadata.name !== 'identity-service-config')
        .map((c) => [c.inputs.data.TRACING_EXPORTER, c.inputs.data.OTEL_EXPORTER_OTLP_ENDPOINT]);
    expect(serviceEnv(traced)).to.deep.equal(Array(3).fill(['otlp', 'http://jaeger-collector.tracing.svc.cluster.local:4318']));

    const plain = variants.get('kind/zookeeper')!;
    expect(serviceEnv(plain)).to.deep.equal(Array(3).fill([undefined, undefined]));
    expect(plain.resources.filter((r) => r.type === 'orders:tools:Jaeger')).to.deep.equal([]);
    expect(plain.outputs.urls.jaeger).to.equal(undefined);
  });

  it('runs Kafka from the rendered files: node id from the pod ordinal, advertising its in-cluster name', function () {
    for (const mode of ['zookeeper', 'kraft'] as const) {
      const v = variants.get(`kind/${mode}`)!;
      const kafka = ofType(v.resources, K.StatefulSet).find((s) => s.inputs.metadata.name === 'kafka')!;
      const container = kafka.inputs.spec.template.spec.containers[0];
      expect(container.command).to.deep.equal(['sh', '/etc/kafka-config/start.sh', 'kafka', '/etc/kafka-config/server.properties', '/tmp/work']);
      expect(container.image).to.equal('apache/kafka:3.9.1');
      const config = ofType(v.resources, K.ConfigMap).find((c) => c.inputs.metadata.name === 'kafka-config')!;
      const server = parseProperties(config.inputs.data['server.properties']);
      expect(server.get(mode === 'kraft' ? 'node.id' : 'broker.id')).to.equal('@NODE_ID@');
      expect(server.get('advertised.listeners')).to.equal(
        'CLIENT://kafka-@NODE_ID@.kafka-headless.kafka.svc.cluster.local:9092,INTERNAL://kafka-@NODE_ID@.kafka-headless.kafka.svc.cluster.local:9094',
      );
      if (mode === 'kraft') {
        const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
        expect(env.KAFKA_CLUSTER_ID).to.match(/^[A-Za-z0-9_-]{22}$/);
        expect(server.has('zookeeper.connect')).to.equal(false);
      } else {
        expect(server.get('zookeeper.connect')).to.equal('kafka-zookeeper.kafka.svc.cluster.local:2181');
      }
    }
  });

  it('runs the Kafka image of the version the local broker runs (pulumi/kafka-config/pom.xml, the jars in .cache)', function () {
    const version = kafkaVersion();
    const [repository, tag] = String(declaredConfig().kafkaImage!.default).split(':');
    expect(repository).to.equal('apache/kafka');
    expect(tag).to.equal(version);
    const jars = readdirSync(path.join(REPO_ROOT, '.cache', 'kafka', 'lib'));
    expect(jars).to.include(`kafka_2.13-${version}.jar`);
  });
});

describe('stack configuration validation', function () {
  it('names every bad setting in one error', async function () {
    const error = await runVariant('registry', 'zookeeper', {
      imageRegistry: '',
      kafkaBrokers: '0',
      kafkaMode: 'raft',
      kafkaImage: 'confluentinc/cp-kafka:latest',
      orderNodePort: '8080',
      kafkaStorage: 'lots',
    }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error).to.be.instanceOf(StackConfigError);
    const message = error!.message;
    for (const key of ['imageRegistry is required', 'kafkaBrokers', 'kafkaMode', 'kafkaImage must be pinned', 'orderNodePort must be a NodePort', 'kafkaStorage']) {
      expect(message).to.include(key);
    }
  });

  it('refuses two NodePorts that are the same: a cluster would refuse the second Service ("port is already allocated")', function () {
    const keys = Object.keys(NODE_PORT_KEYS);
    expect(() => parseSettings({}), 'the defaults differ').to.not.throw();
    // Every NodePort, set to the port another one has by default, is caught.
    keys.forEach((key, k) => {
      const other = keys[(k + 1) % keys.length]!;
      const error = (() => {
        try {
          parseSettings({ [key]: String(declaredConfig()[other]!.default) });
          return null;
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error, `${key} = ${other}`).to.be.instanceOf(StackConfigError);
      expect(error!.message).to.include(`the ${keys.length} NodePorts must differ`);
    });
  });

  it('asks for a login on Dozzle and Kafka UI by default: passwords generated, kept in Secrets, given as secret outputs; off when asked', async function () {
    const run = (config: Record<string, string>) => runProgram('tool-logins', { clusterFlavour: 'kind', ...config }, [], () => deployStack(loadStackConfig(), { project: PROJECT, name: 'logins' }));
    const { resources, outputs } = await run({});
    const env = (deployment: string) => {
      const d = ofType(resources, K.Deployment).find((r) => r.name === deployment)!;
      return Object.fromEntries((unwrapSecrets(d.inputs).spec.template.spec.containers[0].env as any[]).map((e) => [e.name, e.value ?? e.valueFrom]));
    };
    const secretData = (name: string) => unwrapSecrets(ofType(resources, K.Secret).find((s) => s.name === name)!.inputs).stringData;
    expect(env('dozzle')).to.include({ DOZZLE_AUTH_PROVIDER: 'simple' });
    const hash = /password: "([^"]+)"/.exec(secretData('dozzle-users')['users.yml'])![1]!;
    expect(bcrypt.compareSync('generated-dozzle-password-Xq7', hash), 'users.yml holds the hash of the generated password').to.equal(true);
    expect(env('kafka-ui')).to.deep.include({
      AUTH_TYPE: 'LOGIN_FORM',
      SPRING_SECURITY_USER_NAME: 'admin',
      SPRING_SECURITY_USER_PASSWORD: { secretKeyRef: { name: 'kafka-ui-login', key: 'password' } },
    });
    expect(secretData('kafka-ui-login')).to.deep.equal({ password: 'generated-kafka-ui-password-Xq7' });
    expect(plainText((outputs as any).logins)).to.not.include('generated-');
    expect(unwrapSecrets((outputs as any).logins)).to.deep.equal({
      dozzle: { username: 'admin', password: 'generated-dozzle-password-Xq7' },
      kafkaUi: { username: 'admin', password: 'generated-kafka-ui-password-Xq7' },
      people: {
        operator: { username: 'operator', password: 'generated-identity-operator-password-Xq7' },
        customers: { usernames: ['alice', 'bob', 'carol'], password: 'generated-identity-demo-password-Xq7' },
      },
    });
    const off = await run({ dozzleAuth: 'false', kafkaUiAuth: 'false', demoSeed: 'false' });
    expect(Object.keys((off.outputs as any).logins)).to.deep.equal(['people']);
    expect(Object.keys((off.outputs as any).logins.people), 'no demo customers without demo data').to.deep.equal(['operator']);
    expect(ofType(off.resources, K.Secret).map((s) => s.name)).to.not.include.members(['dozzle-users', 'kafka-ui-login']);
  });

  it("keeps Dozzle's password hash the same from one pulumi up to the next", async function () {
    const usersFile = async () => {
      const v = await runVariant('kind', 'zookeeper');
      return unwrapSecrets(ofType(v.resources, K.Secret).find((s) => s.name === 'dozzle-users')!.inputs).stringData['users.yml'] as string;
    };
    const first = await usersFile();
    expect(first).to.match(/password: "\$2b\$11\$/);
    expect(await usersFile()).to.equal(first);
  });
});

describe('stack configuration files', function () {
  const declared = (parseYaml(readFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), 'utf8')) as { config: Record<string, any> }).config;

  it('declares every key in Pulumi.yaml with a type, a default (a secret: none) and a description', function () {
    expect(Object.keys(declared).length).to.be.greaterThan(40);
    for (const [key, spec] of Object.entries(declared)) {
      expect(['string', 'integer', 'boolean'], key).to.include(spec.type);
      expect(spec.description, key).to.be.a('string').with.length.above(10);
      if (spec.secret) {
        expect(spec, key).to.not.have.property('default');
        continue;
      }
      expect(spec, key).to.have.property('default');
      expect(typeof spec.default, key).to.equal(spec.type === 'integer' ? 'number' : spec.type);
    }
  });

  it('declares every key that holds a secret with secret: true, so pulumi keeps it encrypted', function () {
    const secretLike = Object.keys(declared).filter((key) => /password|secret|token|key$/i.test(key));
    expect(secretLike).to.have.length.greaterThan(3);
    for (const key of secretLike) expect(declared[key].secret, key).to.equal(true);
    expect([...SECRET_KEYS].sort()).to.deep.equal(Object.keys(declared).filter((k) => declared[k].secret).sort());
  });

  it('has a dev stack for kind that sets only declared keys', function () {
    const dev = parseYaml(readFileSync(path.join(REPO_ROOT, 'Pulumi.dev.yaml'), 'utf8')) as { config: Record<string, unknown> };
    for (const key of Object.keys(dev.config)) {
      expect(key.startsWith('order-processing:'), key).to.equal(true);
      expect(declared, key).to.have.property(key.slice('order-processing:'.length));
    }
    expect(dev.config['order-processing:clusterFlavour']).to.equal('kind');
  });

  it("holds in Pulumi.yaml's config block exactly the declarations of src/settings (npm run docs writes it)", function () {
    expect(declaredInPulumiYaml()).to.deep.equal(projectConfig());
  });

  it('takes every setting a service reads from the service: its default, its bounds, its values', function () {
    const passed = Object.entries(STACK_SETTINGS).filter(([, s]) => (s as { passedAs?: string }).passedAs);
    expect(passed.map(([k, s]) => `${k}=${(s as { passedAs?: string }).passedAs}`)).to.deep.equal([
      'topicPartitions=KAFKA_TOPIC_PARTITIONS',
      'topicRetentionHours=KAFKA_TOPIC_RETENTION_MS',
      'logLevel=LOG_LEVEL',
      'demoSeed=DEMO_SEED',
      'sagaTimeoutMs=SAGA_TIMEOUT_MS',
      'batchIntervalMs=BATCH_INTERVAL_MS',
      'authAudience=AUTH_AUDIENCE',
    ]);
    expect(STACK_SETTINGS.sagaTimeoutMs.default).to.equal(Number(orderSettings.sagaTimeoutMs.default));
    expect(STACK_SETTINGS.topicRetentionHours.default).to.equal(Number(kafkaSettings.topicRetentionMs.default) / 3_600_000);
    const refused = (values: Record<string, string>) => {
      try {
        parseSettings(values);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    // The service's own bounds and values, in the stack: what the service would refuse at start.
    expect(refused({ sagaTimeoutMs: '999' })).to.include('sagaTimeoutMs (SAGA_TIMEOUT_MS must be >= 1000)');
    expect(refused({ batchIntervalMs: '1001' })).to.include('batchIntervalMs (BATCH_INTERVAL_MS must be <= 1000)');
    expect(refused({ topicRetentionHours: '0' })).to.include('KAFKA_TOPIC_RETENTION_MS');
    expect(refused({ logLevel: 'loud' })).to.include('LOG_LEVEL must be one of');
    expect(refused({ authAudience: 'orders api' })).to.include('authAudience (AUTH_AUDIENCE must be an absolute URI');
    expect(refused({ logLevel: 'silent', sagaTimeoutMs: '1000', topicRetentionHours: '1' })).to.equal('');
  });

  it('documents every setting in docs/configuration.md', function () {
    const configuration = readFileSync(path.join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');
    for (const key of Object.keys(declared)) expect(configuration, key).to.include(`| \`${key}\` |`);
  });

});
