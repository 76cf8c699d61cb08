import * as pulumi from '@pulumi/pulumi';
import { DEPLOYED_CONTRACTS, SERVICE_CONTRACTS } from '@orders/contracts';
import { DEPLOYED_NAMES, kafkaClusterSettings, SERVICE_NAMES, systemNamespaces, serviceSettings, topicSettings, type DeployedName, type ServiceName, type StackConfig } from './config.js';
import { Cluster } from './components/cluster.js';
import { Identity } from './components/identity.js';
import { Kafka } from './components/kafka.js';
import { KafkaTopics } from './components/kafka-topics.js';
import { ServiceImage } from './components/service-image.js';
import { ServiceStack } from './components/service-stack.js';
import { kubeContextOf, nodeHost, nodeUrl, stackOutputs, type StackOutputs } from './outputs.js';
import { deployTools } from './tools.js';

export { kubeContextOf, type StackOutputs } from './outputs.js';

/** Everything the system needs on a cluster, from one validated configuration; reads like the system diagram. */
export function deployStack(config: StackConfig, stack: { project: string; name: string }): StackOutputs {
  const cluster = new Cluster('cluster', {
    context: kubeContextOf(config),
    namespaces: systemNamespaces(config),
  });
  const opts = cluster.opts;
  const images = serviceImages(config, cluster);
  const host = nodeHost(config, cluster.identity);
  const urlOf = (nodePort: number) => nodeUrl(host, nodePort);
  const issuer = config.identityIssuer ? pulumi.output(config.identityIssuer) : urlOf(config.identityNodePort);
  const identity = new Identity(
    'identity',
    {
      settings: serviceSettings(config, 'identity'),
      namespace: cluster.namespace(config.identityNamespace),
      image: images.identity,
      issuer,
      // The console as the stack's URL names it, and on the host's loopback (kind; minikube's forwards).
      consoleUrls: urlOf(config.orderNodePort).apply((url) => [
        ...new Set([`${url}/console/`, `http://127.0.0.1:${config.orderNodePort}/console/`, `http://localhost:${config.orderNodePort}/console/`]),
      ]),
      operatorPassword: config.secrets.operatorPassword,
      demoPassword: config.secrets.demoCustomerPassword,
      demoSeed: config.demoSeed,
    },
    opts,
  );
  const kafkaNamespace = cluster.namespace(config.kafkaNamespace);
  const topicConfig = topicSettings(config);
  const kafka = new Kafka('kafka', { namespace: kafkaNamespace, ...kafkaClusterSettings(config), clusterKey: `${stack.project}/${stack.name}` }, opts);
  const topics = new KafkaTopics(
    'kafka-topics',
    { namespace: kafkaNamespace, image: images.order, contract: SERVICE_CONTRACTS.order, kafka, topics: topicConfig, logLevel: config.logLevel },
    opts,
  );
  const stacks = SERVICE_NAMES.map((name) => {
    const settings = serviceSettings(config, name);
    return new ServiceStack(
      name,
      {
        contract: SERVICE_CONTRACTS[name],
        settings,
        namespace: cluster.namespace(settings.namespace),
        image: images[name],
        kafka: { cluster: kafka, topics: topicConfig },
        linkedEnv: { AUTH_ISSUER: issuer },
        after: [topics.job],
      },
      opts,
    );
  });
  const servicePods = stacks.map((s) => s.service.pods);
  identity.admit(servicePods);
  const tools = deployTools(config, cluster, kafka, servicePods, stack.name);
  kafka.admit([topics.pods, tools.kafkaUi.pods, ...servicePods]);
  const endpoint = (name: ServiceName) => stacks[SERVICE_NAMES.indexOf(name)]!.service.endpoint;
  return stackOutputs(config, host, images, kafka, {
    order: endpoint('order'),
    payment: endpoint('payment'),
    inventory: endpoint('inventory'),
    identity: identity.stack.service.endpoint,
    kafkaUi: tools.kafkaUi.endpoint,
    dozzle: tools.dozzle.endpoint,
    ...(tools.jaeger ? { jaeger: tools.jaeger.endpoint } : {}),
  }, { ...tools.logins, people: identity.logins }, issuer);
}

function serviceImages(config: StackConfig, cluster: Cluster): Record<DeployedName, ServiceImage> {
  const image = (name: DeployedName) =>
    new ServiceImage(`${name}-image`, { service: DEPLOYED_CONTRACTS[name], settings: config, clusterIdentity: cluster.identity });
  return Object.fromEntries(DEPLOYED_NAMES.map((name) => [name, image(name)])) as Record<DeployedName, ServiceImage>;
}
