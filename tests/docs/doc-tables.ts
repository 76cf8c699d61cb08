import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { markdownCell, settingsOf, settingsTable } from '@orders/platform';
import { commonSettings, seededServiceSettings } from '@orders/runtime';
import { withGeneratedBlocks } from '@orders/testing';
import { orderSettings } from '@orders/order-service/config';
import type { FootprintRecord } from '../bench/footprint.js';
import { chaosSentence, chaosTable, comparisonTable, footprintTable, overloadTable, profileTable } from '../bench/record-tables.js';
import type { ProfileRecord } from '../bench/profile.js';
import type { OverloadRecord } from '../bench/overload.js';
import { type ChaosRecord, type CompareRecord, newestRecord, type RecordKind } from '../bench/records.js';
import type { SweepResult } from '../bench/sweep.js';
import { capacitySentence, sweepTable } from '../bench/sweep-table.js';
import { accessTable } from '../support/access.js';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const README = path.join(ROOT, 'README.md');
export const CONFIGURATION = path.join(ROOT, 'docs', 'configuration.md');
export const BENCHMARKS = path.join(ROOT, 'docs', 'benchmarks.md');
export const OPERATIONS = path.join(ROOT, 'docs', 'operations.md');
export const SECURITY = path.join(ROOT, 'docs', 'security.md');
const PULUMI_YAML = path.join(ROOT, 'Pulumi.yaml');

/** The sweep whose chart the README shows (its first `![…](docs/benchmarks/<name>.svg)`): the JSON beside it. */
export function shownSweep(readme: string): { json: string; sweep: SweepResult } {
  const [, name] = /!\[[^\]]*\]\((docs\/benchmarks\/[^)]+)\.svg\)/.exec(readme) ?? [];
  if (!name) throw new Error('README.md shows no chart from docs/benchmarks/');
  const json = `${name}.json`;
  return { json, sweep: JSON.parse(readFileSync(path.join(ROOT, json), 'utf8')) as SweepResult };
}

interface Declared {
  type: string;
  default?: string | number | boolean;
  description: string;
  secret?: boolean;
}

/** docs/configuration.md's tables, from the one declaration of each setting. */
export function settingsTables(): Record<string, string> {
  const stack = (parseYaml(readFileSync(PULUMI_YAML, 'utf8')) as { config: Record<string, Declared> }).config;
  return {
    'stack-settings': [
      '| key | type | default | meaning |',
      '| --- | --- | --- | --- |',
      ...Object.entries(stack).map(([key, d]) => {
        const fallback = d.secret ? 'secret, unset' : d.default === '' ? 'empty' : `\`${String(d.default)}\``;
        return `| \`${key}\` | ${d.type} | ${fallback} | ${markdownCell(d.description)} |`;
      }),
    ].join('\n'),
    'service-settings': settingsTable(settingsOf(commonSettings)),
    'own-settings': settingsTable([
      ...settingsOf(orderSettings).map((s) => ({ ...s, description: `order: ${s.description}` })),
      ...settingsOf(seededServiceSettings).map((s) => ({ ...s, description: `payment, inventory: ${s.description}` })),
    ]),
  };
}

function newest<T>(kind: RecordKind): { file: string; record: T } {
  const kept = newestRecord<T>(kind);
  if (!kept) throw new Error(`docs/benchmarks/ keeps no ${kind} record`);
  return kept;
}

/** The README's generated blocks: the capacity and the latency table of the sweep whose chart it shows, the newest chaos run. */
export function readmeTables(readme: string): Record<string, string> {
  const { json, sweep } = shownSweep(readme);
  return {
    capacity: capacitySentence(sweep, path.basename(json, '.json')),
    'latency-sweep': sweepTable(sweep),
    'chaos-summary': chaosSentence(newest<ChaosRecord>('chaos').record),
  };
}

function latestSweep(): string {
  const kept = newest<SweepResult>('sweep');
  const name = kept.file.replace(/\.json$/, '');
  return [
    `\`npm run bench -- --sweep\`, ${name} ([JSON](benchmarks/${kept.file}), [chart](benchmarks/${name}.svg)):`,
    '',
    sweepTable(kept.record),
    '',
    capacitySentence(kept.record, name),
  ].join('\n');
}

/** docs/benchmarks.md's generated blocks: the newest sweep, comparison, chaos run, footprint and profile. */
export const benchmarkTables = (): Record<string, string> => ({
  'latest-sweep': latestSweep(),
  'latest-comparison': comparisonTable(newest<CompareRecord>('compare').record),
  'latest-chaos': chaosTable(newest<ChaosRecord>('chaos').record),
  footprint: footprintTable(newest<FootprintRecord>('footprint').record),
  profile: profileTable(newest<ProfileRecord>('profile').record),
});

/** docs/operations.md's generated block: the newest day of overload runs. */
export const operationsTables = (): Record<string, string> => ({ overload: overloadTable(newest<OverloadRecord>('overload').record) });

/** docs/security.md's generated block: who may call each operation (from the OpenAPI documents). */
export const securityTables = (): Record<string, string> => ({ access: accessTable() });

export const withReadmeTables = (readme: string): string => withGeneratedBlocks(readme, readmeTables(readme), 'README.md');
export const withSettingsTables = (text: string): string =>
  withGeneratedBlocks(text, settingsTables(), 'docs/configuration.md');
export const withBenchmarkTables = (text: string): string => withGeneratedBlocks(text, benchmarkTables(), 'docs/benchmarks.md');
export const withOperationsTables = (text: string): string => withGeneratedBlocks(text, operationsTables(), 'docs/operations.md');
export const withSecurityTables = (text: string): string => withGeneratedBlocks(text, securityTables(), 'docs/security.md');

// `npm run docs`: rewrites the tables.
if (require.main === module) {
  writeFileSync(README, withReadmeTables(readFileSync(README, 'utf8')));
  writeFileSync(CONFIGURATION, withSettingsTables(readFileSync(CONFIGURATION, 'utf8')));
  writeFileSync(BENCHMARKS, withBenchmarkTables(readFileSync(BENCHMARKS, 'utf8')));
  writeFileSync(OPERATIONS, withOperationsTables(readFileSync(OPERATIONS, 'utf8')));
  writeFileSync(SECURITY, withSecurityTables(readFileSync(SECURITY, 'utf8')));
}
