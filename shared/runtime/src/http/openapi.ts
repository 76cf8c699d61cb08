import { z } from 'zod';

/** JSON Schema of a zod schema, for /openapi.json. */
export const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any' });

export const ErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** An OpenAPI JSON body (request or response content) with `schema`. */
export const jsonContent = (schema: object) => ({ content: { 'application/json': { schema } } });

/** An error response in the one error shape. */
export const errorResponse = (description: string) => ({ description, ...jsonContent({ $ref: '#/components/schemas/Error' }) });

/** What any API operation may answer under a flood (admission.ts); an operation may declare its own 503. */
export const busyResponse = (description = 'too many requests in progress (SERVICE_BUSY): nothing was done; retry after Retry-After seconds') => ({
  ...errorResponse(description),
  headers: { 'Retry-After': { schema: { type: 'integer' } } },
});

type Operation = { responses?: Record<string, unknown> };
const withBusy = (paths: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item as Record<string, Operation>).map(([method, op]) => [method, { ...op, responses: { '503': busyResponse(), ...op.responses } }]),
      ),
    ]),
  );

/** The parts every service document has: info, the operational paths and the error schema. */
export function openApiDocument(title: string, version: string, paths: Record<string, unknown>) {
  const ops = (summary: string) => ({ get: { summary, responses: { '200': { description: 'OK' } } } });
  return {
    openapi: '3.0.3',
    info: { title, version },
    paths: {
      ...withBusy(paths),
      '/healthz': ops('Liveness'),
      '/readyz': ops('Readiness: database and Kafka reachable'),
      '/metrics': ops('Prometheus metrics'),
      '/openapi.json': ops('This document'),
    },
    components: {
      schemas: { Error: schemaOf(ErrorSchema) },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'an access token of the identity service (`scripts/local.sh token <user>`, or the console login)' },
      },
    },
  };
}

/** The If-Match parameter of a whole-value write, and the answers it adds (see conditional.ts). */
export const ifMatchParameter = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'the ETag of your last read; required to replace a resource that exists (428 without it, 412 if it changed since)',
  schema: { type: 'string' },
};
export const conditionalResponses = () => ({
  '412': errorResponse('changed since the version in If-Match (PRECONDITION_FAILED)'),
  '428': errorResponse('exists, and If-Match was not sent (PRECONDITION_REQUIRED)'),
});
export const etagHeader = { ETag: { description: 'the version of what was read or written: send it in If-Match to replace it', schema: { type: 'string' } } };

/** Who may call an operation (see access.ts). */
export type Access = 'operator' | 'owner' | 'customer';
const WHO: Record<Access, string> = {
  operator: 'Operators only.',
  owner: 'The customer it belongs to, or an operator.',
  customer: 'Only the customer named in the body (the token\'s subject).',
};

/** An operation behind an access token: the bearer scheme, who may call it, and its 401 and 403. */
export const secured = <T extends { summary: string; responses: Record<string, unknown> }>(access: Access, operation: T) => ({
  ...operation,
  description: WHO[access],
  security: [{ bearer: [] }],
  // Read by the access test, which calls every operation as each kind of caller, and by the table in docs/security.md.
  'x-access': access,
  responses: {
    ...operation.responses,
    '401': errorResponse('no access token, or one expired, not signed by the issuer or for another audience (UNAUTHENTICATED)'),
    '403': errorResponse('the token is valid but its holder may not do this (FORBIDDEN)'),
  },
});
