import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { alertRulesFile } from '../alert-rules.js';
import { labels, type NamespaceRef } from '../k8s.js';

export const ALERT_RULES_CONFIGMAP = 'orders-alert-rules';
export const ALERT_RULES_KEY = 'orders.rules.yaml';

/**
 * The system's Prometheus alerting rules (dead letters, stalled compensations, retried
 * events, refused requests) as a rule file in a ConfigMap, for the cluster's Prometheus to
 * load (mount it and list it under `rule_files`). The stack runs no Prometheus itself; the
 * services' pods carry the usual prometheus.io/scrape annotations.
 */
export class AlertRules extends pulumi.ComponentResource {
  constructor(name: string, args: { namespace: NamespaceRef }, opts?: pulumi.ComponentResourceOptions) {
    super('orders:tools:AlertRules', name, {}, opts);
    new k8s.core.v1.ConfigMap(
      name,
      {
        metadata: { name: ALERT_RULES_CONFIGMAP, namespace: args.namespace.ready, labels: labels(ALERT_RULES_CONFIGMAP, 'alerting') },
        data: { [ALERT_RULES_KEY]: alertRulesFile() },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
