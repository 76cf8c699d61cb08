import { z } from 'zod';

/**
 * One setting read from the environment, declared once: the variable, how its text is
 * parsed, its default (as the variable would hold it) and what it means. The typed config,
 * the defaults, the error messages and the README's tables all come from these.
 */
export interface Setting<T> {
  readonly env: string;
  readonly schema: z.ZodType<T, string>;
  /** Text used when the variable is unset or empty; undefined: required (or given per service). */
  readonly default: string | undefined;
  readonly description: string;
}

export function setting<T>(env: string, schema: z.ZodType<T, string>, fallback: string | undefined, description: string): Setting<T> {
  return { env, schema, default: fallback, description };
}

/** Settings grouped as the typed config object is. */
export interface SettingsTree {
  readonly [key: string]: Setting<unknown> | SettingsTree;
}

/** The typed config a tree of settings reads into. */
export type SettingsOf<T> = T extends Setting<infer V> ? V : { [K in keyof T]: SettingsOf<T[K]> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const isSetting = (node: Setting<unknown> | SettingsTree): node is Setting<unknown> =>
  typeof (node as Setting<unknown>).env === 'string' && (node as Setting<unknown>).schema instanceof z.ZodType;

/** Every setting of a tree, in declaration order. */
export function settingsOf(tree: SettingsTree): Setting<unknown>[] {
  return Object.values(tree).flatMap((node) => (isSetting(node) ? [node] : settingsOf(node)));
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY$/i;

/**
 * Reads a tree of settings from `source`; `defaults` (by variable) replace the declared
 * ones, e.g. a service's own port. Every bad or missing variable is named in one
 * ConfigError; a secret's value is never shown.
 */
export function readSettings<T extends SettingsTree>(
  tree: T,
  source: NodeJS.ProcessEnv = process.env,
  defaults: Record<string, string> = {},
): SettingsOf<T> {
  const problems: string[] = [];
  const read = (node: SettingsTree): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(node).map(([key, child]) => {
        if (!isSetting(child)) return [key, read(child)];
        const raw = source[child.env];
        const text = raw === undefined || raw === '' ? (defaults[child.env] ?? child.default) : raw;
        if (text === undefined) {
          problems.push(`${child.env} is required but not set`);
          return [key, undefined];
        }
        const parsed = child.schema.safeParse(text);
        if (parsed.success) return [key, parsed.data];
        const reason = parsed.error.issues.map((i) => i.message).join('; ');
        problems.push(`${child.env} ${reason}${SECRET_NAME.test(child.env) ? '' : ` (got ${JSON.stringify(text)})`}`);
        return [key, undefined];
      }),
    );
  const result = read(tree);
  if (problems.length > 0) throw new ConfigError(problems);
  return result as SettingsOf<T>;
}

/** Text as one cell of a Markdown table: its pipes escaped. */
export const markdownCell = (text: string): string => text.replaceAll('|', '\\|');

/** A Markdown table of settings: variable, default, meaning. */
export function settingsTable(settings: readonly Setting<unknown>[], defaults: Record<string, string> = {}): string {
  const shown = (s: Setting<unknown>) => {
    const value = defaults[s.env] ?? s.default;
    return value === undefined ? 'per service' : value === '' ? 'empty' : `\`${value}\``;
  };
  return [
    '| variable | default | meaning |',
    '| --- | --- | --- |',
    ...settings.map((s) => `| \`${s.env}\` | ${shown(s)} | ${markdownCell(s.description)} |`),
  ].join('\n');
}

/** Parsers that turn environment text into typed values with readable errors. */
export const env = {
  string: () => z.string().trim().min(1, 'must not be empty'),
  int: (min: number, max: number) =>
    z
      .string()
      .trim()
      .regex(/^-?\d+$/, 'must be an integer')
      .transform(Number)
      .pipe(z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`)),
  port: () => env.int(1, 65535),
  bool: () =>
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }))
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  list: () =>
    z
      .string()
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
      .pipe(z.array(z.string()).min(1, 'must list at least one value')),
  hostPortList: () =>
    env.list().pipe(z.array(z.string().regex(/^[A-Za-z0-9._-]+:\d{1,5}$/, 'must be a comma-separated list of host:port'))),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.string().trim().pipe(z.enum(values, { message: `must be one of ${values.join(', ')}` })),
};
