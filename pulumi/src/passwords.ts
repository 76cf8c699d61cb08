import { createHmac } from 'node:crypto';
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

/**
 * A short checksum of secrets, keyed (HMAC) so that it tells nothing about them: put in a
 * name or an annotation, a change of any secret changes it. Not a secret itself.
 */
export const keyedChecksum = (key: pulumi.Output<string>, ...secrets: pulumi.Output<string>[]): pulumi.Output<string> =>
  pulumi.unsecret(pulumi.all([key, ...secrets]).apply(([k, ...values]) => createHmac('sha256', k!).update(values.join('\0')).digest('hex').slice(0, 16)));
