/**
 * The documents' tables that come from the Pulumi program and its cluster model: the
 * smallest node of each variant (README.md) and what each third-party image needs
 * (docs/cluster-model.md). `npm run docs` writes them; docs-tables.test.ts fails when a
 * document holds something else.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withGeneratedBlocks } from '@orders/testing';
import { markdownCell } from '@orders/platform';
import { cpu, DOCUMENTED_NODES, fitsNode, mib, minimumNode } from '../../src/capacity.js';
import { REPO_ROOT } from '../../src/paths.js';
import { parseSettings } from '../../src/settings/stack-settings.js';
import { stackFootprint, type Requests } from '../../src/sizing.js';
import { PULUMI_YAML, withProjectConfig } from '../../src/settings/pulumi-yaml.js';
import { CHECKS, IMAGE_NEEDS } from '../cluster/image-needs.js';

const both = (r: Requests) => `${cpu(r.cpuMilli)}, ${mib(r.memoryMi)}`;

/** The variants the README sizes: each Kafka mode, 1 or 3 brokers, 1 or 2 replicas of each service. */
export const SIZED_VARIANTS = (['zookeeper', 'kraft'] as const).flatMap((mode) =>
  [1, 3].flatMap((brokers) => [1, 2].map((replicas) => ({ mode, brokers, replicas }))),
);

export function nodeSizeTable(): string {
  const rows = SIZED_VARIANTS.map(({ mode, brokers, replicas }) => {
    const footprint = stackFootprint(parseSettings({ kafkaMode: mode, kafkaBrokers: String(brokers), serviceReplicas: String(replicas) }));
    const kind = minimumNode(footprint, 'kind');
    const minikube = minimumNode(footprint, 'minikube');
    return `| ${mode === 'zookeeper' ? 'ZooKeeper' : 'KRaft'} | ${brokers} | ${replicas} | ${both(footprint.steady)} | ${both(footprint.peak)} | ${kind.cpus} CPUs, ${kind.memoryGiB} GiB | ${minikube.cpus} CPUs, ${minikube.memoryGiB} GiB |`;
  });
  const tracing = stackFootprint(parseSettings({ tracing: 'true' })).steady;
  const plain = stackFootprint(parseSettings({})).steady;
  return [
    '| Kafka | brokers | replicas | requests, running | requests, while a `pulumi up` rolls the services | smallest kind machine | smallest minikube node |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Tracing on adds Jaeger: ${both({ cpuMilli: tracing.cpuMilli - plain.cpuMilli, memoryMi: tracing.memoryMi - plain.memoryMi })}.`,
  ].join('\n');
}

/** Each model variant against each node the README names: its rollout peak beside the cluster's own pods. */
export function documentedNodeFits(): string {
  return [
    `| Kafka | brokers | replicas | tracing | ${DOCUMENTED_NODES.map((n) => n.name).join(' | ')} |`,
    `| --- | --- | --- | --- | ${DOCUMENTED_NODES.map(() => '---').join(' | ')} |`,
    ...SIZED_VARIANTS.flatMap((v) => [false, true].map((tracing) => ({ ...v, tracing }))).map(({ mode, brokers, replicas, tracing }) => {
      const footprint = stackFootprint(
        parseSettings({ kafkaMode: mode, kafkaBrokers: String(brokers), serviceReplicas: String(replicas), tracing: String(tracing) }),
      );
      const fits = DOCUMENTED_NODES.map((n) => (fitsNode(footprint, n) ? 'fits' : '**does not fit**'));
      return `| ${mode} | ${brokers} | ${replicas} | ${tracing ? 'on' : 'off'} | ${fits.join(' | ')} |`;
    }),
  ].join('\n');
}

export function imageNeedsTable(): string {
  return IMAGE_NEEDS.map((needs) =>
    [
      `**${needs.image}:${needs.tag}** (\`${needs.setting}\`), read in ${needs.source}`,
      '',
      '| needs | where in its source | checked by |',
      '| --- | --- | --- |',
      ...needs.notes.map((n) => `| ${markdownCell(n.need)} | ${markdownCell(n.source)} | ${markdownCell(CHECKS[n.check])} |`),
    ].join('\n'),
  ).join('\n\n');
}

/** Every generated block these tables fill, by document. */
export function pulumiDocTables(): Record<string, Record<string, string>> {
  return {
    'README.md': { 'node-sizes': nodeSizeTable() },
    'docs/cluster-model.md': { 'image-needs': imageNeedsTable(), 'node-fits': documentedNodeFits() },
  };
}

/** The document as it should be, with these tables in their blocks. */
export function withPulumiTables(document: string, text: string): string {
  return withGeneratedBlocks(text, pulumiDocTables()[document] ?? {}, document);
}

// `npm run docs`: rewrites Pulumi.yaml's config block and the blocks.
if (require.main === module) {
  writeFileSync(PULUMI_YAML, withProjectConfig(readFileSync(PULUMI_YAML, 'utf8')));
  for (const document of Object.keys(pulumiDocTables())) {
    const file = path.join(REPO_ROOT, document);
    writeFileSync(file, withPulumiTables(document, readFileSync(file, 'utf8')));
  }
}
