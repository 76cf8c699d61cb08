import { openApiDocument, schemaOf } from '@orders/shared';
import { ListQuery, OrderSchema, PlaceOrderBody } from './schemas.js';

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
const order = { description: 'the order', ...json(schemaOf(OrderSchema)) };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

export const orderOpenApi = openApiDocument('Order service', '1.0.0', {
  '/orders': {
    post: {
      summary: 'Place an order (202, saga continues asynchronously)',
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
      requestBody: { required: true, ...json(schemaOf(PlaceOrderBody)) },
      responses: { '202': order, '400': error('invalid body'), '409': error('Idempotency-Key reused with another body'), '413': error('body too large'), '415': error('not JSON') },
    },
    get: {
      summary: 'List orders, newest first, with cursor paging',
      parameters: Object.keys(ListQuery.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
      responses: { '200': json({ type: 'object', properties: { items: { type: 'array', items: schemaOf(OrderSchema) }, nextCursor: { type: 'string', nullable: true } } }), '400': error('invalid query') },
    },
  },
  '/orders/{id}': {
    get: { summary: 'Read an order', parameters: [idParam], responses: { '200': order, '400': error('not a UUID'), '404': error('no such order') } },
  },
  '/orders/{id}/cancel': {
    post: {
      summary: 'Cancel an order (releases stock, refunds any charge)',
      parameters: [idParam],
      responses: { '202': order, '404': error('no such order'), '409': error('already REJECTED or CANCELLED') },
    },
  },
});
