import * as pulumi from '@pulumi/pulumi';

/** A resource the program declared, with its inputs as the engine resolved them. */
export interface DeclaredResource {
  /** `type::name`: unique in this program. */
  key: string;
  type: string;
  name: string;
  /** False for components (their children do the work). */
  custom: boolean;
  /** An existing object the program only reads (`.get`). */
  read: boolean;
  parent?: string;
  inputs: Record<string, any>;
  /** Resources named in `dependsOn`, as declared (components included). */
  dependsOn: string[];
  /** Resources behind the Outputs among its inputs: Pulumi waits for them too. */
  inputsFrom: string[];
  /** Its URN in the stack (the engine keys its state by it). */
  urn: string;
  /** URNs it was known by before (`aliases`): the engine moves their state to it. */
  aliases: string[];
}

export const PROJECT = 'order-processing';

/** Mock values of what the engine would compute. */
function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case 'random:index/randomPassword:RandomPassword':
      return { ...inputs, result: `generated-${name}-Xq7` };
    case 'random:index/randomBytes:RandomBytes':
      return { ...inputs, base64: Buffer.alloc(inputs.length ?? 16, 7).toString('base64'), hex: '07'.repeat(inputs.length ?? 16) };
    case 'docker:index/image:Image':
      return { ...inputs, repoDigest: `${String(inputs.imageName).split(':')[0]}@sha256:${'ab'.repeat(32)}` };
    case 'command:local:Command':
      return { ...inputs, stdout: '192.168.49.2\n', stderr: '' };
    case 'kubernetes:core/v1:Namespace':
      return { ...inputs, metadata: { ...inputs.metadata, uid: `uid-of-${name}` } };
    default:
      return inputs;
  }
}

export const keyOf = (type: string, name: string) => `${type}::${name}`;

/** Every Output inside a value (props as given to a resource constructor). */
function outputsIn(value: unknown, found: pulumi.Output<unknown>[] = [], seen = new Set<unknown>()): pulumi.Output<unknown>[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return found;
  seen.add(value);
  if (pulumi.Output.isInstance(value)) {
    found.push(value as pulumi.Output<unknown>);
    return found;
  }
  if (pulumi.Resource.isInstance(value)) return found;
  for (const item of Array.isArray(value) ? value : Object.values(value)) outputsIn(item, found, seen);
  return found;
}

/** The resources an Output was computed from (Pulumi's own bookkeeping of an Output). */
async function resourcesOf(output: pulumi.Output<unknown>): Promise<Set<pulumi.Resource>> {
  const impl = output as unknown as { allResources?: () => Promise<Set<pulumi.Resource>>; resources: () => Set<pulumi.Resource> };
  return impl.allResources ? impl.allResources() : impl.resources();
}

/**
 * Runs the program under Pulumi's engine mocks, as the root of a stack, and returns every
 * resource it declared (resolved inputs, parent, dependsOn, the resources behind its
 * Output inputs) and the program's result with every Output resolved.
 */
export async function runProgram<T>(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[],
  program: () => T,
): Promise<{ resources: DeclaredResource[]; outputs: unknown }> {
  const inputsByKey = new Map<string, Record<string, any>>();
  const order: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const key = keyOf(args.type, args.name);
        if (!inputsByKey.has(key)) order.push(key);
        inputsByKey.set(key, args.inputs);
        return { id: args.id ?? `${args.name}-id`, state: computedState(args.type, args.name, args.inputs) };
      },
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])),
    secretKeys.map((k) => `${PROJECT}:${k}`),
  );

  const declared = new Map<
    pulumi.Resource,
    {
      type: string;
      name: string;
      read: boolean;
      parent?: pulumi.Resource;
      dependsOn: pulumi.Resource[];
      outputs: pulumi.Output<unknown>[];
      aliases: unknown[];
    }
  >();
  let result: T | undefined;
  let failure: unknown;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const dependsOn = args.opts.dependsOn;
      declared.set(args.resource, {
        type: args.type,
        name: args.name,
        read: (args.opts as pulumi.CustomResourceOptions).id !== undefined,
        parent: args.opts.parent,
        dependsOn: (Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : []) as pulumi.Resource[],
        outputs: outputsIn(args.props),
        aliases: (args.opts.aliases as unknown[] | undefined) ?? [],
      });
      return undefined;
    });
    try {
      result = program();
    } catch (error) {
      failure = error;
    }
    return {};
  });
  if (failure) throw failure;
  const outputs = await resolveDeep(result);
  // Let registrations still in flight (children of components) reach the mock.
  for (let settled = -1; settled !== inputsByKey.size; ) {
    settled = inputsByKey.size;
    await new Promise((r) => setTimeout(r, 50));
  }

  const keyOfResource = (r: pulumi.Resource) => {
    const d = declared.get(r);
    return d ? keyOf(d.type, d.name) : undefined;
  };
  const urnOf = async (r: pulumi.Resource) => String(await resolveDeep(r.urn));
  /** An alias as the URN it names, as the SDK computes it: by default the same name and type, under the parent it gives. */
  const aliasUrn = async (alias: unknown, d: { type: string; name: string }): Promise<string> => {
    if (typeof alias === 'string' || pulumi.Output.isInstance(alias)) return String(await resolveDeep(alias));
    const a = alias as { name?: string; type?: string; parent?: pulumi.Resource | pulumi.Input<string>; noParent?: boolean };
    return String(await resolveDeep(pulumi.createUrn(a.name ?? d.name, a.type ?? d.type, a.noParent ? undefined : a.parent)));
  };
  const resources: DeclaredResource[] = [];
  for (const [resource, d] of declared) {
    const key = keyOf(d.type, d.name);
    const inputsFrom = new Set<string>();
    for (const output of d.outputs) for (const r of await resourcesOf(output)) inputsFrom.add(keyOfResource(r) ?? '?');
    resources.push({
      key,
      type: d.type,
      name: d.name,
      custom: pulumi.CustomResource.isInstance(resource),
      read: d.read,
      ...(d.parent && keyOfResource(d.parent) ? { parent: keyOfResource(d.parent)! } : {}),
      inputs: inputsByKey.get(key) ?? {},
      dependsOn: d.dependsOn.map((r) => keyOfResource(r) ?? '?'),
      inputsFrom: [...inputsFrom].filter((k) => k !== '?'),
      urn: await urnOf(resource),
      aliases: await Promise.all(d.aliases.map((a) => aliasUrn(a, d))),
    });
  }
  resources.sort((a, b) => order.indexOf(a.key) - order.indexOf(b.key));
  return { resources, outputs };
}

/** Resolves every Output inside a value. */
export async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const resolved = await resolveDeep(await new Promise((resolve) => (value as pulumi.Output<unknown>).apply(resolve)));
    // A secret stays marked as one, as Pulumi serializes it (plainText blanks it, unwrapSecrets reads it).
    return (await (value as unknown as { isSecret: Promise<boolean> }).isSecret) ? { [SECRET_SIG]: SECRET_VALUE, value: resolved } : resolved;
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveDeep));
  if (value && typeof value === 'object' && !(value instanceof pulumi.Resource)) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const));
    return Object.fromEntries(entries);
  }
  return value;
}

export const ofType = (resources: DeclaredResource[], type: string) => resources.filter((r) => r.type === type);

/** Pulumi's marker of a secret value in serialized inputs. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
const SECRET_VALUE = '1b47061264138c4ac30d75fd1eb44270';

const isSecret = (value: any) => value && typeof value === 'object' && value[SECRET_SIG] === SECRET_VALUE;

/** The inputs as the cluster would get them: secret markers removed, values kept. */
export function unwrapSecrets(value: any): any {
  if (isSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  return value;
}

/** The inputs with every secret-marked value blanked: what Pulumi would show in plain text. */
export function plainText(value: any): string {
  const blank = (v: any): any => {
    if (isSecret(v)) return '[secret]';
    if (Array.isArray(v)) return v.map(blank);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, blank(x)]));
    return v;
  };
  return JSON.stringify(blank(value));
}
