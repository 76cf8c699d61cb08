import { z } from 'zod';
import { ROLES } from '@orders/runtime';

/** A password a script or the stack generates, or a person chooses: long enough to resist guessing. */
export const PASSWORD_MIN_LENGTH = 12;
/** A login name is a customer id (what orders and accounts carry) or an operator's name. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const UserId = z.string().regex(USER_ID_PATTERN, 'a user id is 1-64 letters, digits, _ or -');
export const PutUserBody = z.strictObject({
  password: z.string().min(PASSWORD_MIN_LENGTH, `at least ${PASSWORD_MIN_LENGTH} characters`).max(200),
  role: z.enum(ROLES).default('customer'),
});
export const UserSchema = z.object({ id: z.string(), role: z.enum(ROLES) });
