import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../src/paths.js';
import { parseSettings } from '../src/settings/stack-settings.js';
import { kindClusterConfig, kindPortMappings } from '../src/kind.js';
import { blindServices, buildAwaitGraph, MODELLED_PROVIDER_VERSION, rolloutWaves, waitCycles, type AwaitGraph } from './cluster/await-graph.js';
import { hostsIn, resolveHost } from './cluster/hosts.js';
import { kubeObjects, ofKind, workloads } from './cluster/objects.js';
import { podsOf, podTexts } from './cluster/pods.js';
import { allModelVariants, runVariant, variantName, type Variant } from './support/program.js';

describe('cluster model: what the Kubernetes provider and the kubelet do with the declared resources', function () {
  this.timeout(300000);
  const variants: { name: string; variant: Variant; graph: AwaitGraph }[] = [];

  before(async function () {
    for (const variant of await allModelVariants()) variants.push({ name: variantName(variant), variant, graph: buildAwaitGraph(variant.resources) });
  });

  it('models the provider version the program runs with (a bump means reading its await code again)', function () {
    const { version } = JSON.parse(readFileSync(require.resolve('@pulumi/kubernetes/package.json'), 'utf8')) as { version: string };
    expect(version).to.equal(MODELLED_PROVIDER_VERSION);
  });

  it('await graph: every variant can finish (no cycle of waiting, no Service called ready before its pods exist)', function () {
    const problems = variants.flatMap(({ name, graph }) => [...waitCycles(graph), ...blindServices(graph)].map((p) => `${name}: ${p}`));
    expect(problems).to.deep.equal([]);
  });

  it('prints the rollout waves of each variant', function () {
    for (const { name, graph } of variants.filter((v) => v.variant.brokers === 1 && v.variant.replicas === 1)) {
      const waves = rolloutWaves(graph).map((w) => w.filter((x) => !/RandomPassword|Provider|providers/.test(x)));
      console.log(`      ${name}\n${waves.map((w, i) => `        ${i + 1}. ${w.join(', ')}`).join('\n')}`);
      expect(waves.length).to.be.greaterThan(3);
    }
  });

  it('environment: no container receives service-link variables (they collide with what images read, e.g. KAFKA_PORT)', function () {
    const leaks: string[] = [];
    for (const { name, graph } of variants) {
      for (const workload of workloads(graph.objects)) {
        for (const pod of podsOf(graph.objects, workload)) {
          for (const c of pod.containers) {
            const links = c.environment.fromServices.filter((k) => !k.startsWith('KUBERNETES_'));
            if (links.length > 0) leaks.push(`${name} ${pod.name}/${c.container.name}: ${links.slice(0, 4).join(', ')}${links.length > 4 ? ', …' : ''}`);
          }
        }
      }
    }
    expect(leaks).to.deep.equal([]);
  });

  it('every in-cluster host name and port in env and config files resolves to a declared Service or pod and port', function () {
    const problems: string[] = [];
    let resolved = 0;
    for (const { name, graph } of variants) {
      for (const workload of workloads(graph.objects)) {
        for (const pod of podsOf(graph.objects, workload)) {
          for (const reference of podTexts(pod).flatMap(hostsIn)) {
            try {
              resolveHost(graph.objects, reference);
              resolved++;
            } catch (error) {
              problems.push(`${name} ${pod.name}: ${(error as Error).message}`);
            }
          }
        }
      }
      expect(ofKind(graph.objects, 'Service').length, name).to.be.greaterThan(5);
    }
    expect(problems).to.deep.equal([]);
    expect(resolved).to.be.greaterThan(variants.length * 10);
  });
});

describe('cluster model: images, pod start order, third-party probes, host ports', function () {
  this.timeout(300000);
  let variants: { name: string; variant: Variant; graph: AwaitGraph }[];

  before(async function () {
    variants = (await allModelVariants()).map((variant) => ({ name: variantName(variant), variant, graph: buildAwaitGraph(variant.resources) }));
  });

  it('a pod that runs an image built here waits for the command that loads that image into the cluster', function () {
    let checked = 0;
    for (const { name, variant, graph } of variants) {
      for (const workload of workloads(graph.objects)) {
        for (const c of podsOf(graph.objects, workload)[0]!.containers) {
          if (c.container.imagePullPolicy !== 'Never') continue;
          const loads = (key: string, seen = new Set<string>()): boolean => {
            if (seen.has(key)) return false;
            seen.add(key);
            return (graph.waits.get(key) ?? []).some((w) => {
              const r = graph.nodes.get(w.on);
              return (r?.type === 'command:local:Command' && String(r.inputs.create).includes(c.container.image)) || loads(w.on, seen);
            });
          };
          expect(loads(workload.key), `${name} ${workload.name}/${c.container.name}`).to.equal(true);
          checked++;
        }
      }
      if (variant.flavour === 'registry') continue;
      for (const load of variant.resources.filter((r) => r.type === 'command:local:Command' && r.name.endsWith('-load'))) {
        expect(load.inputs.create, name).to.match(new RegExp(`^bash scripts/lib/load-image\\.sh ${variant.flavour} orders/\\w+-service:[0-9a-f]{16} (orders|minikube)$`));
        expect(load.inputs.triggers, `${name}: a new cluster loads again`).to.have.length(2);
      }
    }
    expect(checked).to.be.greaterThan(0);
  });

  it('pods that need each other to become ready (KRaft voters) start together, not one after another', function () {
    let peers = 0;
    for (const { name, graph } of variants) {
      for (const key of graph.peerConnected) {
        const set = graph.objects.find((o) => o.key === key)!;
        expect(set.body.spec.podManagementPolicy, `${name} ${set.name}`).to.equal('Parallel');
        peers++;
      }
    }
    expect(peers, 'the 3-node KRaft variants have voters that reach each other').to.be.greaterThan(0);
  });

  it("third-party probes ask what the images serve (read in their sources at the pinned tags)", function () {
    // kafbat/kafka-ui v1.5.0: Spring Boot on 8080, api/src/main/resources/application.yml exposes `health`.
    // amir20/dozzle v8.14.4: internal/support/cli/args.go `default:":8080"`, internal/web/routes.go GET /healthcheck.
    // jaegertracing/jaeger 2.20.0: cmd/jaeger/Dockerfile sets JAEGER_LISTEN_HOST=0.0.0.0 and runs with no --config,
    // so cmd/jaeger/internal/all-in-one.yaml applies: healthcheckv2 (use_v2) on 13133, OTLP HTTP 4318, the UI on 16686.
    const served: Record<string, { port: number; path: string; portName?: string; ports?: Record<string, number> }> = {
      'ghcr.io/kafbat/kafka-ui:v1.5.0': { port: 8080, path: '/actuator/health' },
      'amir20/dozzle:v8.14.4': { port: 8080, path: '/healthcheck' },
      'jaegertracing/jaeger:2.20.0': { port: 13133, path: '/status', portName: 'health', ports: { ui: 16686, 'otlp-http': 4318 } },
    };
    const seen = new Set<string>();
    for (const { name, graph } of variants) {
      for (const workload of workloads(graph.objects)) {
        for (const { container } of podsOf(graph.objects, workload)[0]!.containers) {
          const expected = served[container.image];
          if (!expected) continue;
          seen.add(container.image);
          const portName = expected.portName ?? 'http';
          const port = (container.ports ?? []).find((p: any) => p.name === portName);
          expect(port?.containerPort, `${name} ${container.name}`).to.equal(expected.port);
          for (const [other, number] of Object.entries(expected.ports ?? {})) {
            expect((container.ports ?? []).find((p: any) => p.name === other)?.containerPort, `${name} ${container.name} ${other}`).to.equal(number);
          }
          const probes = [container.readinessProbe, container.livenessProbe, container.startupProbe].filter(Boolean);
          expect(probes, `${name} ${container.name}`).to.not.be.empty;
          for (const probe of probes) {
            expect(probe.httpGet.path, `${name} ${container.name}`).to.equal(expected.path);
            expect(probe.httpGet.port, `${name} ${container.name}`).to.equal(portName);
          }
        }
      }
    }
    expect([...seen].sort()).to.deep.equal(Object.keys(served).sort());
  });

  it('every NodePort is published by the kind cluster on 127.0.0.1 at the port its URL names', function () {
    for (const { name, variant, graph } of variants) {
      const nodePorts = ofKind(graph.objects, 'Service').filter((s) => s.body.spec.type === 'NodePort');
      expect(nodePorts, name).to.have.length(variant.tracing ? 7 : 6); // the Jaeger UI with tracing on
      const settings = parseSettings(variant.config);
      const mappings = kindPortMappings(settings);
      const urls = Object.entries(variant.outputs.urls as Record<string, string>)
        .filter(([name]) => name !== 'console')
        .map(([, url]) => url);
      for (const service of nodePorts) {
        const nodePort = service.body.spec.ports[0].nodePort;
        if (variant.flavour === 'kind') {
          expect(mappings, `${name} ${service.name}`).to.deep.include({ containerPort: nodePort, hostPort: nodePort, listenAddress: '127.0.0.1', protocol: 'TCP' });
          expect(urls, `${name} ${service.name}`).to.include(`http://127.0.0.1:${nodePort}`);
        } else {
          expect(urls.some((u) => u.endsWith(`:${nodePort}`)), `${name} ${service.name}`).to.equal(true);
        }
      }
    }
  });

  it('a stack with its own NodePorts gets a kind cluster that publishes exactly those', async function () {
    const own = { orderNodePort: '30101', dozzleNodePort: '32000', jaegerNodePort: '31999' };
    const nodePortsOf = async (config: Record<string, string>) =>
      ofKind(kubeObjects((await runVariant('kind', 'zookeeper', config)).resources), 'Service')
        .filter((s) => s.body.spec.type === 'NodePort')
        .map((s) => s.body.spec.ports[0].nodePort)
        .sort();
    const published = kindPortMappings(parseSettings(own))
      .map((m) => m.hostPort)
      .sort();
    const traced = await nodePortsOf({ ...own, tracing: 'true' });
    expect(published).to.deep.equal(traced);
    expect(traced).to.include.members([30101, 32000, 31999]);
    // With tracing off the Jaeger port is published all the same, so turning it on needs no new cluster.
    expect(published).to.include.members(await nodePortsOf(own)).and.include(31999);
  });

  it('the committed pulumi/kind-cluster.yaml is the one the defaults give', function () {
    expect(readFileSync(path.join(REPO_ROOT, 'pulumi', 'kind-cluster.yaml'), 'utf8')).to.equal(kindClusterConfig(parseSettings({})));
  });
});

