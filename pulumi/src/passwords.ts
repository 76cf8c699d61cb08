import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';

/**
 * The password set on the stack, or one generated once and kept in the stack state (so it
 * stays the same from one `pulumi up` to the next); a secret either way.
 */
export function passwordOrGenerated(name: string, set: pulumi.Output<string> | undefined, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
  // Declared either way, so setting or unsetting a password never changes the stack's resources.
  const generated = new random.RandomPassword(name, { length: 32, special: false }, opts);
  return pulumi.secret(set ?? generated.result);
}
