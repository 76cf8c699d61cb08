import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { parser } from '@prometheus-io/lezer-promql';
import { createMetrics } from '@orders/platform';
import { ALERT_RULES, alertRulesFile } from '../src/alert-rules.js';
import { ALERT_RULES_CONFIGMAP, ALERT_RULES_KEY } from '../src/components/alert-rules.js';
import { ofType } from './support/mocks.js';
import { runVariant } from './support/program.js';

/** What Prometheus' own PromQL grammar makes of an expression: its syntax errors and the metrics it reads. */
function readPromQL(expr: string): { errors: number; metrics: string[] } {
  const tree = parser.parse(expr);
  let errors = 0;
  const metrics: string[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) errors++;
      if (node.name === 'VectorSelector') {
        const name = node.node.getChild('Identifier');
        if (name) metrics.push(expr.slice(name.from, name.to));
      }
    },
  });
  return { errors, metrics };
}

/** Every metric name a service exports from the shared registry (counters as scraped: with _total). */
async function exportedMetrics(): Promise<Set<string>> {
  const text = await createMetrics('alert-rules-test').registry.metrics();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].flatMap(([, name]) => [name!, `${name}_total`, `${name}_bucket`, `${name}_sum`, `${name}_count`]));
}

describe('alert rules shipped with the stack', function () {
  this.timeout(60000);

  it('are valid PromQL (Prometheus\' own grammar) reading only metrics the services export', async function () {
    const exported = await exportedMetrics();
    for (const rule of ALERT_RULES) {
      const { errors, metrics } = readPromQL(rule.expr);
      expect(errors, `${rule.alert}: ${rule.expr}`).to.equal(0);
      expect(metrics, rule.alert).to.not.deep.equal([]);
      for (const metric of metrics) expect(exported.has(metric), `${rule.alert} reads ${metric}`).to.equal(true);
      expect(rule.labels.severity).to.be.oneOf(['warning', 'critical']);
    }
    expect(ALERT_RULES.map((r) => r.alert)).to.include.members(['OrdersDeadLetters', 'OrdersCompensationStalled', 'OrdersConsumerLagging']);
  });

  it('the check can fail: a syntax error and an unknown metric are caught', async function () {
    expect(readPromQL('sum by (service (increase(dead_letters_total[15m])) > 0').errors).to.be.greaterThan(0);
    const exported = await exportedMetrics();
    expect(readPromQL('increase(dead_letter_total[15m]) > 0').metrics.every((m) => exported.has(m))).to.equal(false);
  });

  it('the stack ships them as a Prometheus rule file in a ConfigMap beside the tools', async function () {
    const variant = await runVariant('kind', 'zookeeper');
    const map = ofType(variant.resources, 'kubernetes:core/v1:ConfigMap').find((m) => m.inputs.metadata.name === ALERT_RULES_CONFIGMAP)!;
    expect(map.inputs.metadata.namespace).to.equal('kafka');
    expect(map.inputs.data[ALERT_RULES_KEY]).to.equal(alertRulesFile());
    const file = parseYaml(map.inputs.data[ALERT_RULES_KEY]) as { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
    expect(file.groups[0]!.rules.map((r) => r.alert)).to.deep.equal(ALERT_RULES.map((r) => r.alert));
  });
});
