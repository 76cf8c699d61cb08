import { SERVICE_CONTRACTS } from '@orders/contracts';
import { kafkaClusterSettings, SERVICE_NAMES, systemNamespaces, serviceSettings, topicSettings, type ServiceName, type StackConfig } from './config.js';
import { Cluster } from './components/cluster.js';
import { Kafka } from './components/kafka.js';
import { KafkaTopics } from './components/kafka-topics.js';
import { ServiceImage } from './components/service-image.js';
import { ServiceStack } from './components/service-stack.js';
import { kubeContextOf, stackOutputs, type StackOutputs } from './outputs.js';
import { deployTools } from './tools.js';

export { kubeContextOf, type StackOutputs } from './outputs.js';

/** Everything the system needs on a cluster, from one validated configuration; reads like the system diagram. */
export function deployStack(config: StackConfig, stack: { project: string; name: string }): StackOutputs {
  const services = SERVICE_NAMES.map((name) => serviceSettings(config, name));
  const cluster = new Cluster('cluster', {
    context: kubeContextOf(config),
    namespaces: systemNamespaces(config),
  });
  const opts = cluster.opts;
  const images = serviceImages(config, cluster);
  const kafkaNamespace = cluster.namespace(config.kafkaNamespace);
  const kafka = new Kafka('kafka', { namespace: kafkaNamespace, ...kafkaClusterSettings(config), clusterKey: `${stack.project}/${stack.name}` }, opts);
  const topics = new KafkaTopics(
    'kafka-topics',
    { namespace: kafkaNamespace, image: images.order, contract: SERVICE_CONTRACTS.order, kafka, topics: topicSettings(config), logLevel: config.logLevel },
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
  const servicePods = stacks.map((s) => s.service.pods);
  const tools = deployTools(config, cluster, kafka, servicePods, stack.name);
  kafka.admit([topics.pods, tools.kafkaUi.pods, ...servicePods]);
  const endpoint = (name: ServiceName) => stacks[SERVICE_NAMES.indexOf(name)]!.service.endpoint;
  return stackOutputs(config, cluster, images, kafka, {
    order: endpoint('order'),
    payment: endpoint('payment'),
    inventory: endpoint('inventory'),
    kafkaUi: tools.kafkaUi.endpoint,
    dozzle: tools.dozzle.endpoint,
    ...(tools.jaeger ? { jaeger: tools.jaeger.endpoint } : {}),
  }, tools.logins);
}

function serviceImages(config: StackConfig, cluster: Cluster): Record<ServiceName, ServiceImage> {
  const image = (name: ServiceName) => new ServiceImage(`${name}-image`, { service: SERVICE_CONTRACTS[name], settings: config, clusterIdentity: cluster.identity });
  return { order: image('order'), payment: image('payment'), inventory: image('inventory') };
}
