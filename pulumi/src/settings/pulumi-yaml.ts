import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import { REPO_ROOT } from '../paths.js';
import type { StackSetting } from './declare.js';
import { STACK_SETTINGS } from './stack-settings.js';

export const PULUMI_YAML = path.join(REPO_ROOT, 'Pulumi.yaml');

/** A setting as Pulumi.yaml declares it. */
export interface ProjectConfigEntry {
  type: string;
  default?: string | number | boolean;
  description: string;
  secret?: boolean;
}

/** Pulumi.yaml's `config:` block, as the declarations give it (STACK_SETTINGS). */
export function projectConfig(): Record<string, ProjectConfigEntry> {
  return Object.fromEntries(
    (Object.entries(STACK_SETTINGS) as [string, StackSetting<unknown>][]).map(([key, s]) => [
      key,
      {
        type: s.type,
        ...(s.secret ? { secret: true } : { default: s.default as string | number | boolean }),
        description: s.description,
      },
    ]),
  );
}

/** The `config:` block Pulumi.yaml holds now. */
export const declaredInPulumiYaml = (): Record<string, ProjectConfigEntry> =>
  (parseYaml(readFileSync(PULUMI_YAML, 'utf8')) as { config: Record<string, ProjectConfigEntry> }).config;

/** Pulumi.yaml with its `config:` block written from the declarations (its other parts and comments kept). */
export function withProjectConfig(text: string): string {
  const document = parseDocument(text);
  document.set('config', document.createNode(projectConfig()));
  return document.toString({ lineWidth: 0 });
}
