import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config.js';
import { AlertRules } from './components/alert-rules.js';
import type { Cluster } from './components/cluster.js';
import { Dozzle } from './components/dozzle.js';
import { Jaeger } from './components/jaeger.js';
import type { Kafka } from './components/kafka.js';
import { KafkaUi } from './components/kafka-ui.js';
import { MetricsServer } from './components/metrics-server.js';
import type { Pods } from './network.js';

/** What the stack runs to look at the system: Kafka UI, Dozzle (with the metrics API it needs), Jaeger when tracing is on, the alerting rules. */
export function deployTools(config: StackConfig, cluster: Cluster, kafka: Kafka, services: readonly Pods[], stackName: string) {
  const opts = cluster.opts;
  const kafkaUi = new KafkaUi(
    'kafka-ui',
    {
      namespace: cluster.namespace(config.kafkaNamespace),
      image: config.kafkaUiImage,
      kafka,
      nodePort: config.kafkaUiNodePort,
      readOnly: config.kafkaUiReadOnly,
      login: config.kafkaUiAuth ? { username: config.kafkaUiUsername, password: config.secrets.kafkaUiPassword } : null,
    },
    opts,
  );
  // One metrics API per cluster: none where the cluster serves it already (metricsServer off).
  const metrics = config.metricsServer ? new MetricsServer('metrics-server', { image: config.metricsServerImage }, opts) : undefined;
  const dozzle = new Dozzle(
    'dozzle',
    {
      namespace: cluster.namespace(config.dozzleNamespace),
      stackName: stackName.toLowerCase().replace(/[^a-z0-9.-]/g, '-'),
      image: config.dozzleImage,
      nodePort: config.dozzleNodePort,
      auth: config.dozzleAuth ? { username: config.dozzleUsername, password: config.secrets.dozzlePassword } : null,
      watched: cluster.allNamespaces,
      metricsApi: metrics?.apiService,
    },
    opts,
  );
  const jaeger = config.tracing
    ? new Jaeger('jaeger', { namespace: cluster.namespace(config.tracingNamespace), image: config.jaegerImage, nodePort: config.jaegerNodePort }, opts)
    : undefined;
  jaeger?.admit(services);
  new AlertRules('alert-rules', { namespace: cluster.namespace(config.kafkaNamespace) }, opts);
  return { kafkaUi, dozzle, jaeger, logins: logins(kafkaUi, dozzle) };
}

/** Who logs in to the tools: user names and passwords (secrets), for the stack output `logins`. */
export interface ToolLogins {
  dozzle?: { username: string; password: pulumi.Output<string> };
  kafkaUi?: { username: string; password: pulumi.Output<string> };
}

function logins(kafkaUi: KafkaUi, dozzle: Dozzle): ToolLogins {
  return { ...(dozzle.login ? { dozzle: dozzle.login } : {}), ...(kafkaUi.login ? { kafkaUi: kafkaUi.login } : {}) };
}
