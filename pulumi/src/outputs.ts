import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import type { DeployedName, StackConfig } from './config.js';
import type { PeopleLogins } from './components/identity.js';
import type { Kafka } from './components/kafka.js';
import type { ServiceImage } from './components/service-image.js';
import type { NodePortEndpoint } from './k8s.js';
import { KIND_LISTEN_ADDRESS } from './kind.js';
import type { ToolLogins } from './tools.js';

type Published = DeployedName | 'kafkaUi' | 'dozzle';
/** Published only when the stack deploys it. */
type Optional = 'jaeger';

export interface StackOutputs {
  /** Where each published service answers; `console` is the order console (the order service's /console/). */
  urls: Record<Published | 'console', pulumi.Output<string>> & Partial<Record<Optional, pulumi.Output<string>>>;
  namespaces: Record<DeployedName | 'kafka' | 'dozzle', string> & Partial<Record<'tracing', string>>;
  images: Record<DeployedName, pulumi.Output<string>>;
  /** The issuer tokens name (the identity service as browsers reach it). */
  issuer: pulumi.Output<string>;
  kafka: { mode: string; brokers: number; bootstrapServers: string };
  /** Every NodePort Service: namespace, name, port (scripts/minikube-up.sh forwards them). */
  nodePorts: Record<Published, NodePortEndpoint> & Partial<Record<Optional, NodePortEndpoint>>;
  /** Who signs in, to the system and to the tools: user names and passwords (secrets: `pulumi stack output logins --show-secrets`). */
  logins: ToolLogins & { people: PeopleLogins };
}

export function stackOutputs(
  config: StackConfig,
  host: pulumi.Output<string>,
  images: Record<DeployedName, ServiceImage>,
  kafka: Kafka,
  nodePorts: StackOutputs['nodePorts'],
  logins: StackOutputs['logins'],
  issuer: pulumi.Output<string>,
): StackOutputs {
  const urls = Object.fromEntries(Object.entries(nodePorts).map(([k, e]) => [k, nodeUrl(host, e.nodePort)])) as Record<
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
      identity: nodePorts.identity.namespace,
      kafka: config.kafkaNamespace,
      dozzle: config.dozzleNamespace,
      ...(config.tracing ? { tracing: config.tracingNamespace } : {}),
    },
    images: { order: images.order.ref, payment: images.payment.ref, inventory: images.inventory.ref, identity: images.identity.ref },
    issuer,
    kafka: { mode: config.kafkaMode, brokers: config.kafkaBrokers, bootstrapServers: kafka.bootstrapServers },
    nodePorts,
    logins,
  };
}

/** Where a NodePort answers from the host. */
export const nodeUrl = (host: pulumi.Output<string>, nodePort: number) => host.apply((h) => `http://${h}:${nodePort}`);

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
export function nodeHost(config: StackConfig, clusterIdentity: pulumi.Output<string>): pulumi.Output<string> {
  if (config.clusterFlavour === 'minikube') {
    const ip = new command.local.Command('minikube-ip', { create: `minikube -p ${config.minikubeProfile} ip`, triggers: [clusterIdentity] });
    return ip.stdout.apply((out) => out.trim());
  }
  return pulumi.output(config.clusterFlavour === 'kind' ? KIND_LISTEN_ADDRESS : config.nodeAddress);
}
