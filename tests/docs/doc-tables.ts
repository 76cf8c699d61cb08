import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { settingsOf, settingsTable } from '@orders/platform';
import { commonSettings, seededServiceSettings } from '@orders/runtime';
import { withGeneratedBlocks } from '@orders/testing';
import { orderSettings } from '@orders/order-service/config';
import type { SweepResult } from '../bench/sweep.js';
import { sweepTable } from '../bench/sweep-table.js';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const README = path.join(ROOT, 'README.md');
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

const cell = (text: string) => text.replaceAll('|', '\\|');

/**
 * The README's generated tables, by name: the settings tables from the one declaration of
 * each setting, the latency table from the sweep whose chart the README shows.
 */
export function readmeTables(readme: string): Record<string, string> {
  const stack = (parseYaml(readFileSync(PULUMI_YAML, 'utf8')) as { config: Record<string, Declared> }).config;
  return {
    'service-settings': settingsTable(settingsOf(commonSettings)),
    'own-settings': settingsTable([
      ...settingsOf(orderSettings).map((s) => ({ ...s, env: s.env, description: `order: ${s.description}` })),
      ...settingsOf(seededServiceSettings).map((s) => ({ ...s, description: `payment, inventory: ${s.description}` })),
    ]),
    'stack-settings': [
      '| key | type | default | meaning |',
      '| --- | --- | --- | --- |',
      ...Object.entries(stack).map(([key, d]) => {
        const fallback = d.secret ? 'secret, unset' : d.default === '' ? 'empty' : `\`${String(d.default)}\``;
        return `| \`${key}\` | ${d.type} | ${fallback} | ${cell(d.description)} |`;
      }),
    ].join('\n'),
    'latency-sweep': sweepTable(shownSweep(readme).sweep),
  };
}

/** The README with every generated table as the declarations give it. */
export const withTables = (readme: string): string => withGeneratedBlocks(readme, readmeTables(readme), 'README.md');

// `npm run docs`: rewrites the tables.
if (require.main === module) writeFileSync(README, withTables(readFileSync(README, 'utf8')));
