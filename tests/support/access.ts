import { PROBE_PATHS } from '@orders/contracts';
import type { Access } from '@orders/runtime';
import { identityOpenApi } from '@orders/identity-service/openapi';
import { inventoryOpenApi } from '@orders/inventory-service/openapi';
import { orderOpenApi } from '@orders/order-service/openapi';
import { paymentOpenApi } from '@orders/payment-service/openapi';

export type Api4 = 'order' | 'payment' | 'inventory' | 'identity';

/** One operation of an API and who may call it, as its OpenAPI document declares (`x-access`; none: anyone). */
export interface Operation {
  service: Api4;
  method: string;
  path: string;
  access: Access | 'public';
  summary: string;
}

const DOCUMENTS: Record<Api4, { paths: Record<string, Record<string, { summary?: string; 'x-access'?: Access }>> }> = {
  order: orderOpenApi,
  payment: paymentOpenApi,
  inventory: inventoryOpenApi,
  identity: identityOpenApi as never,
};

/** What every service serves for its operation (probes, metrics, its own document): open, and not part of the API. */
const OPERATIONAL = new Set<string>([...Object.values(PROBE_PATHS), '/openapi.json']);
/** The issuer's protocol endpoints: the OpenID Connect flows themselves decide who gets a token. */
const PROTOCOL = new Set(['/.well-known/openid-configuration', '/auth', '/token', '/jwks']);

export function operations(): Operation[] {
  return (Object.entries(DOCUMENTS) as [Api4, (typeof DOCUMENTS)[Api4]][]).flatMap(([service, document]) =>
    Object.entries(document.paths)
      .filter(([path]) => !OPERATIONAL.has(path) && !PROTOCOL.has(path))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ service, method: method.toUpperCase(), path, access: op['x-access'] ?? 'public', summary: op.summary ?? '' })),
      ),
  );
}

const WHO: Record<Operation['access'], [anonymous: string, customer: string, operator: string]> = {
  public: ['yes', 'yes', 'yes'],
  owner: ['401', 'its own (403 for another customer\'s)', 'yes'],
  customer: ['401', 'for itself only (403 for another customer)', '403'],
  operator: ['401', '403', 'yes'],
};

/** docs/security.md's table: every operation, and what each kind of caller gets. */
export function accessTable(): string {
  return [
    '| service | operation | anonymous | customer | operator |',
    '| --- | --- | --- | --- | --- |',
    ...operations().map((op) => `| ${op.service} | \`${op.method} ${op.path}\` | ${WHO[op.access].join(' | ')} |`),
  ].join('\n');
}
