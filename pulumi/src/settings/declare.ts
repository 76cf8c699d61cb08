import { z } from 'zod';
import type { Setting } from '@orders/platform';

/** How `pulumi config` holds a value (Pulumi.yaml's `type`). */
export type ConfigType = 'string' | 'integer' | 'boolean';
/** The value of a setting of that type. */
export type ValueOf<C extends ConfigType> = C extends 'integer' ? number : C extends 'boolean' ? boolean : string;

/**
 * One stack setting, declared once: its Pulumi.yaml type, default and description, and the
 * schema that validates it. A secret has no default (unset: generated, or off).
 */
export interface StackSetting<T> {
  readonly type: ConfigType;
  readonly default: T | undefined;
  readonly description: string;
  readonly schema: z.ZodType<T>;
  readonly secret: boolean;
  /** The service variable it becomes, for the settings a service reads (docs only). */
  readonly passedAs?: string;
}

const make = <T>(type: ConfigType, fallback: T | undefined, description: string, schema: z.ZodType<T>, secret = false): StackSetting<T> => ({
  type,
  default: fallback,
  description,
  schema,
  secret,
});

export const text = (fallback: string, description: string, schema: z.ZodType<string> = z.string()) => make('string', fallback, description, schema);
export const integer = (fallback: number, description: string, min: number, max: number) =>
  make('integer', fallback, description, z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`));
export const flag = (fallback: boolean, description: string) => make('boolean', fallback, description, z.boolean());
export const oneOf = <const T extends readonly [string, ...string[]]>(fallback: T[number], description: string, values: T) =>
  make<T[number]>('string', fallback, description, z.enum(values, { message: `must be one of ${values.join(', ')}` }) as unknown as z.ZodType<T[number]>);
export const secret = (description: string) => make<string>('string', undefined, description, z.string(), true);

/**
 * A stack setting that a service reads as an environment variable: its validation,
 * default and description are the service's own (`setting`), so the two cannot drift. The
 * stack value is `scale` times smaller than the variable (e.g. hours for milliseconds);
 * `fallback` replaces the service's default where the stack's differs, for the reason given.
 */
export function passed<C extends ConfigType>(
  type: C,
  setting: Setting<unknown>,
  options: { scale?: number; unit?: string; fallback?: ValueOf<C>; because?: string } = {},
): StackSetting<ValueOf<C>> {
  const scale = options.scale ?? 1;
  const toText = (value: string | number | boolean) => (typeof value === 'number' ? String(value * scale) : String(value));
  const fromText = (value: string): string | number | boolean =>
    type === 'integer' ? Number(value) / scale : type === 'boolean' ? value === 'true' : value;
  const base = z.union([z.string(), z.number(), z.boolean()]);
  const schema = base.superRefine((value, ctx) => {
    const parsed = setting.schema.safeParse(toText(value));
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => i.message).join('; ');
      ctx.addIssue({ code: 'custom', message: `(${setting.env} ${reason}${scale === 1 ? '' : ` after ×${scale}`})` });
    }
  });
  const fallback = options.fallback ?? (setting.default === undefined ? undefined : fromText(setting.default));
  const description = [
    `${setting.description.charAt(0).toUpperCase()}${setting.description.slice(1)}${options.unit ? `; the stack sets it in ${options.unit}` : ''}.`,
    options.because ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  return { ...make(type, fallback as ValueOf<C> | undefined, description, schema as unknown as z.ZodType<ValueOf<C>>), passedAs: setting.env };
}
