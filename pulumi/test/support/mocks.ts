import * as pulumi from '@pulumi/pulumi';

export interface DeclaredResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export const PROJECT = 'order-processing';

/** Mock values of what the engine would compute. */
function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case 'random:index/randomPassword:RandomPassword':
      return { ...inputs, result: `generated-${name}-Xq7` };
    case 'docker:index/image:Image':
      return { ...inputs, repoDigest: `${String(inputs.imageName).split(':')[0]}@sha256:${'ab'.repeat(32)}` };
    case 'command:local:Command':
      return { ...inputs, stdout: '192.168.49.2\n', stderr: '' };
    default:
      return inputs;
  }
}

/**
 * Runs the program under Pulumi's engine mocks with the given stack config and returns
 * every resource it declared, with resolved inputs, and its outputs.
 */
export async function runProgram<T>(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[],
  program: () => T,
): Promise<{ resources: DeclaredResource[]; outputs: unknown }> {
  const resources: DeclaredResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: computedState(args.type, args.name, args.inputs) };
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
  const result = program();
  const outputs = await resolveDeep(result);
  // Let registrations still in flight (children of components) reach the mock.
  for (let settled = -1; settled !== resources.length; ) {
    settled = resources.length;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { resources, outputs };
}

/** Resolves every Output inside a value. */
export async function resolveDeep(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return resolveDeep(await new Promise((resolve) => (value as pulumi.Output<unknown>).apply(resolve)));
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
