import { expect } from 'chai';
import { loadOrderConfig, orderSettings } from '@orders/order-service/config';
import { PROBE_PATHS, SERVICE_CONTRACTS } from '@orders/contracts';
import { commonSettings, loadSeededServiceConfig, type CommonConfig } from '@orders/runtime';
import { declaredInPulumiYaml as declaredConfig } from '../src/settings/pulumi-yaml.js';
import { kubeObjects, ofKind, podSpecOf } from './cluster/objects.js';
import { podsOf, type ModelPod } from './cluster/pods.js';
import { runVariant, type Variant } from './support/program.js';

/** Each service's own settings parser, as its `main.js` runs it. */
const LOADERS: Record<string, (env: NodeJS.ProcessEnv) => CommonConfig> = {
  [SERVICE_CONTRACTS.order.serviceName]: loadOrderConfig,
  [SERVICE_CONTRACTS.payment.serviceName]: (env) => loadSeededServiceConfig(SERVICE_CONTRACTS.payment, env),
  [SERVICE_CONTRACTS.inventory.serviceName]: (env) => loadSeededServiceConfig(SERVICE_CONTRACTS.inventory, env),
};

/** The first pod of each service's Deployment, as the cluster model starts it. */
const servicePodsOf = (v: Variant): ModelPod[] => {
  const objects = kubeObjects(v.resources);
  return ofKind(objects, 'Deployment')
    .filter((d) => LOADERS[d.name])
    .map((d) => podsOf(objects, d)[0]!);
};

/** A service's settings as its own parser reads them from its pod's main container. */
const settingsOfPod = (pod: ModelPod): CommonConfig => LOADERS[pod.workload.name]!(pod.containers.find((c) => !c.init)!.environment.env);

describe('service pods as the kubelet starts them (cluster model)', function () {
  this.timeout(60000);
  let variant: Variant;
  let servicePods: ModelPod[];

  before(async function () {
    variant = await runVariant('kind', 'zookeeper');
    servicePods = servicePodsOf(variant);
    expect(servicePods).to.have.length(3);
  });

  it("each service's settings parser accepts the environment its pod gets, and the pod's grace period covers drain and stop", async function () {
    // A long topic retention too: processed-event ids must outlive the events.
    const longRetentionPods = servicePodsOf(await runVariant('kind', 'zookeeper', { topicRetentionHours: '720' }));
    for (const pod of [...servicePods, ...longRetentionPods]) {
      const config = settingsOfPod(pod);
      expect(config.db.password, pod.name).to.not.equal('');
      expect(config.shutdown.drainMs, pod.name).to.be.at.least(1000);
      const graceMs = podSpecOf(pod.workload).terminationGracePeriodSeconds * 1000;
      expect(config.shutdown.drainMs + config.shutdown.timeoutMs, pod.name).to.be.lessThan(graceMs);
    }
  });

  it('asks Prometheus to scrape /metrics on the port the service serves', function () {
    for (const pod of servicePods) {
      const annotations = pod.workload.body.spec.template.metadata.annotations;
      const port = pod.containers.find((c) => !c.init)!.container.ports[0].containerPort;
      expect(annotations['prometheus.io/scrape'], pod.name).to.equal('true');
      expect(annotations['prometheus.io/port'], pod.name).to.equal(String(port));
      expect(annotations['prometheus.io/path'], pod.name).to.equal(PROBE_PATHS.metrics);
    }
  });

  it('the migration runs as the superuser and sets up the role the service runs as; the service never sees the superuser password', function () {
    const objects = kubeObjects(variant.resources);
    for (const pod of servicePods) {
      const service = pod.containers.find((c) => !c.init)!;
      const job = ofKind(objects, 'Job').find((j) => j.name.startsWith(`${pod.workload.name}-migrate-`))!;
      const migrate = podsOf(objects, job)[0]!.containers.find((c) => !c.init)!;
      const migration = LOADERS[pod.workload.name]!(migrate.environment.env);
      const running = settingsOfPod(pod);
      expect(migration.db.user, pod.name).to.equal('postgres');
      expect(migration.appRole.user, pod.name).to.match(/^[a-z]+_app$/);
      expect(running.db.user, pod.name).to.equal(migration.appRole.user);
      expect(running.db.password, pod.name).to.equal(migration.appRole.password);
      expect(running.db.password, pod.name).to.not.equal(migration.db.password);
      const superuserPassword = migration.db.password;
      expect(Object.values(service.environment.env), pod.name).to.not.include(superuserPassword);
    }
  });
});

describe('rollouts that apply configuration (engine mocks)', function () {
  this.timeout(120000);
  const templateOf = (v: Variant, service: string) => {
    const objects = kubeObjects(v.resources);
    const deployment = ofKind(objects, 'Deployment').find((d) => d.name === service)!;
    const job = ofKind(objects, 'Job').find((j) => j.name.startsWith(`${service}-migrate-`))!;
    return { annotations: deployment.body.spec.template.metadata.annotations as Record<string, string>, job: job.name };
  };
  let base: Variant;
  before(async function () {
    base = await runVariant('kind', 'zookeeper');
  });

  it('the same stack gives the same pod templates and Job names (nothing rolls without a change)', async function () {
    const again = await runVariant('kind', 'zookeeper');
    for (const service of Object.keys(LOADERS)) expect(templateOf(again, service), service).to.deep.equal(templateOf(base, service));
  });

  it('a changed setting rolls the pods of the services it reaches and migrates again', async function () {
    const changed = await runVariant('kind', 'zookeeper', { sagaTimeoutMs: '45000' });
    const order = SERVICE_CONTRACTS.order.serviceName;
    expect(templateOf(changed, order).annotations['checksum/config']).to.not.equal(templateOf(base, order).annotations['checksum/config']);
    expect(templateOf(changed, order).job).to.not.equal(templateOf(base, order).job);
    const payment = SERVICE_CONTRACTS.payment.serviceName;
    expect(templateOf(changed, payment), 'a service whose config did not change keeps its pods').to.deep.equal(templateOf(base, payment));
  });

  it('batchIntervalMs reaches every service, as its settings parser reads the pod environment, and rolls their pods', async function () {
    const changed = await runVariant('kind', 'zookeeper', { batchIntervalMs: '25' });
    const intervals = (v: Variant) => Object.fromEntries(servicePodsOf(v).map((pod) => [pod.workload.name, settingsOfPod(pod).batchIntervalMs]));
    const [before, after] = [intervals(base), intervals(changed)];
    for (const service of Object.keys(LOADERS)) {
      expect([before[service], after[service]], service).to.deep.equal([Number(commonSettings.batchIntervalMs.default), 25]);
      expect(templateOf(changed, service).annotations['checksum/config'], service).to.not.equal(templateOf(base, service).annotations['checksum/config']);
    }
  });

  it("the stack's defaults for the service settings it passes on are the services' own", function () {
    const declared = declaredConfig();
    expect([declared.batchIntervalMs?.default, declared.sagaTimeoutMs?.default]).to.deep.equal([
      Number(commonSettings.batchIntervalMs.default),
      Number(orderSettings.sagaTimeoutMs.default),
    ]);
  });

  it('a changed database password migrates again (which applies it to PostgreSQL) and rolls the pods', async function () {
    const changed = await runVariant('kind', 'zookeeper', { orderDbPassword: 'another-pw-Qr71' });
    const order = SERVICE_CONTRACTS.order.serviceName;
    expect(templateOf(changed, order).annotations['checksum/db-password']).to.not.equal(templateOf(base, order).annotations['checksum/db-password']);
    expect(templateOf(changed, order).annotations['checksum/config']).to.equal(templateOf(base, order).annotations['checksum/config']);
    expect(templateOf(changed, order).job).to.not.equal(templateOf(base, order).job);
  });
});
