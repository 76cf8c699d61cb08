import { readFileSync } from 'node:fs';
import { parseSettings, type Settings } from '../settings/stack-settings.js';

/**
 * The settings of a stack from `pulumi config --json` on stdin: the values set on the stack
 * (secrets are never read), Pulumi.yaml's defaults for the rest, validated.
 */
export function settingsFromStdin(): Settings {
  const input = readFileSync(0, 'utf8').trim();
  const stack = (input ? JSON.parse(input) : {}) as Record<string, { value?: string; secret?: boolean }>;
  const values: Record<string, string> = {};
  for (const [key, entry] of Object.entries(stack)) {
    const [namespace, name] = key.split(':');
    if (namespace === 'order-processing' && name && !entry.secret && entry.value !== undefined) values[name] = entry.value;
  }
  return parseSettings(values);
}
