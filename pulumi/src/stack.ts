import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { SERVICE_CONTRACTS } from '@orders/contracts';
import { kafkaClusterSettings, SERVICE_NAMES, serviceSettings, topicSettings, type ServiceName, type StackConfig } from './config.js';
import { Cluster } from './components/cluster.js';
import { Dozzle } from './components/dozzle.js';
import { Jaeger } from './components/jaeger.js';
import { Kafka } from './components/kafka.js';
import { KafkaTopics } from './components/kafka-topics.js';
import { KafkaUi } from './components/kafka-ui.js';
import { MetricsServer } from './components/metrics-server.js';
import { ServiceImage } from './components/service-image.js';
import { ServiceStack } from './components/service-stack.js';
import type { NodePortEndpoint } from './k8s.js';
import { KIND_LISTEN_ADDRESS } from './kind.js';

type Published = 'order' | 'payment' | 'inventory' | 'kafkaUi' | 'dozzle';
/** Published only when the stack deploys it. */
type Optional = 'jaeger';

export interface StackOutputs {
  /** Where each published service answers; `console` is the order console (the order service's /console/). */
  urls: Record<Published | 'console', pulumi.Output<string>> & Partial<Record<Optional, pulumi.Output<string>>>;
  namespaces: Record<ServiceName | 'kafka' | 'dozzle', string> & Partial<Record<'tracing', string>>;
  images: Record<ServiceName, pulumi.Output<string>>;
  kafka: { mode: string; brokers: number; bootstrapServers: string };
  /** Every NodePort Service: namespace, name, port (scripts/minikube-up.sh forwards them). */
  nodePorts: Record<Published, NodePortEndpoint> & Partial<Record<Optional, NodePortEndpoint>>;
}

/** Everything the system needs on a cluster, from one validated configuration; reads like the system diagram. */
export function deployStack(config: StackConfig, stack: { project: string; name: string }): StackOutputs {
  const services = SERVICE_NAMES.map((name) => serviceSettings(config, name));
  const cluster = new Cluster('cluster', {
    context: kubeContextOf(config),
    namespaces: [
      ...services.map((s) => s.namespace),
      config.kafkaNamespace,
      config.dozzleNamespace,
      ...(config.tracing ? [config.tracingNamespace] : []),
    ],
  });
  const opts = cluster.opts;
  const images = serviceImages(config, cluster);
  const inKafkaNamespace = { namespace: cluster.namespace(config.kafkaNamespace), namespaceName: config.kafkaNamespace };
  const kafka = new Kafka('kafka', { ...inKafkaNamespace, ...kafkaClusterSettings(config), clusterKey: `${stack.project}/${stack.name}` }, opts);
  const topics = new KafkaTopics(
    'kafka-topics',
    { ...inKafkaNamespace, image: images.order, contract: SERVICE_CONTRACTS.order, kafka, topics: topicSettings(config), logLevel: config.logLevel },
    opts,
  );
  const stacks = services.map(
    (settings) =>
      new ServiceStack(
        settings.name,
        {
          contract: SERVICE_CONTRACTS[settings.name],
          settings,
          namespace: cluster.namespace(settings.namespace),
          image: images[settings.name],
          kafka,
          topics: topicSettings(config),
          after: [topics.job],
        },
        opts,
      ),
  );
  const kafkaUi = new KafkaUi('kafka-ui', { ...inKafkaNamespace, image: config.kafkaUiImage, kafka, nodePort: config.kafkaUiNodePort, readOnly: config.kafkaUiReadOnly }, opts);
  // One metrics API per cluster: none where the cluster serves it already (metricsServer off).
  const metrics = config.metricsServer ? new MetricsServer('metrics-server', { image: config.metricsServerImage }, opts) : undefined;
  const dozzle = new Dozzle(
    'dozzle',
    {
      namespace: cluster.namespace(config.dozzleNamespace),
      namespaceName: config.dozzleNamespace,
      stackName: stack.name.toLowerCase().replace(/[^a-z0-9.-]/g, '-'),
      image: config.dozzleImage,
      nodePort: config.dozzleNodePort,
      auth: config.dozzleAuth ? { username: config.dozzleUsername, password: config.secrets.dozzlePassword! } : null,
      metricsApi: metrics?.apiService,
    },
    opts,
  );
  kafka.admit([topics.pods, kafkaUi.pods, ...stacks.map((s) => s.service.pods)]);
  const jaeger = config.tracing
    ? new Jaeger(
        'jaeger',
        { namespace: cluster.namespace(config.tracingNamespace), namespaceName: config.tracingNamespace, image: config.jaegerImage, nodePort: config.jaegerNodePort },
        opts,
      )
    : undefined;
  jaeger?.admit(stacks.map((s) => s.service.pods));
  const [order, payment, inventory] = stacks.map((s) => s.service.endpoint) as [NodePortEndpoint, NodePortEndpoint, NodePortEndpoint];
  return stackOutputs(config, cluster, images, kafka, {
    order,
    payment,
    inventory,
    kafkaUi: kafkaUi.endpoint,
    dozzle: dozzle.endpoint,
    ...(jaeger ? { jaeger: jaeger.endpoint } : {}),
  });
}

function serviceImages(config: StackConfig, cluster: Cluster): Record<ServiceName, ServiceImage> {
  const image = (name: ServiceName) => new ServiceImage(`${name}-image`, { service: SERVICE_CONTRACTS[name], settings: config, clusterIdentity: cluster.identity });
  return { order: image('order'), payment: image('payment'), inventory: image('inventory') };
}

function stackOutputs(
  config: StackConfig,
  cluster: Cluster,
  images: Record<ServiceName, ServiceImage>,
  kafka: Kafka,
  nodePorts: StackOutputs['nodePorts'],
): StackOutputs {
  const host = nodeHost(config, cluster.identity);
  const urls = Object.fromEntries(Object.entries(nodePorts).map(([k, e]) => [k, host.apply((h) => `http://${h}:${e.nodePort}`)])) as Record<
    Published,
    pulumi.Output<string>
  > &
    Partial<Record<Optional, pulumi.Output<string>>>;
  return {
    urls: { ...urls, console: urls.order.apply((order) => `${order}/console/`) },
    namespaces: {
      order: nodePorts.order.namespace,
      payment: nodePorts.payment.namespace,
      inventory: nodePorts.inventory.namespace,
      kafka: config.kafkaNamespace,
      dozzle: config.dozzleNamespace,
      ...(config.tracing ? { tracing: config.tracingNamespace } : {}),
    },
    images: { order: images.order.ref, payment: images.payment.ref, inventory: images.inventory.ref },
    kafka: { mode: config.kafkaMode, brokers: config.kafkaBrokers, bootstrapServers: kafka.bootstrapServers },
    nodePorts,
  };
}

/** The kube context the stack deploys to: never whatever happens to be current for kind and minikube. */
export function kubeContextOf(config: StackConfig): string | undefined {
  if (config.kubeContext) return config.kubeContext;
  if (config.clusterFlavour === 'kind') return `kind-${config.kindClusterName}`;
  if (config.clusterFlavour === 'minikube') return config.minikubeProfile;
  return undefined;
}

/**
 * Where NodePorts answer from the host: kind publishes them on 127.0.0.1 (the cluster is
 * created from kindClusterConfig); minikube on its node IP (scripts/minikube-up.sh
 * forwards them to 127.0.0.1 where that IP is not reachable).
 */
function nodeHost(config: StackConfig, clusterIdentity: pulumi.Output<string>): pulumi.Output<string> {
  if (config.clusterFlavour === 'minikube') {
    const ip = new command.local.Command('minikube-ip', { create: `minikube -p ${config.minikubeProfile} ip`, triggers: [clusterIdentity] });
    return ip.stdout.apply((out) => out.trim());
  }
  return pulumi.output(config.clusterFlavour === 'kind' ? KIND_LISTEN_ADDRESS : config.nodeAddress);
}
