import { busyResponse, deadLetterPaths, errorResponse, jsonContent, openApiDocument, schemaOf, secured } from '@orders/runtime';
import { ListQuery, OrderSchema, OrderTimelineSchema, PlaceOrderBody } from './schemas.js';

const order = { description: 'the order', ...jsonContent(schemaOf(OrderSchema)) };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

export const orderOpenApi = openApiDocument('Order service', '1.0.0', {
  '/orders': {
    post: secured('customer', {
      summary: 'Place an order (202, saga continues asynchronously)',
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
      requestBody: { required: true, ...jsonContent(schemaOf(PlaceOrderBody)) },
      responses: {
        '202': {
          ...order,
          headers: { 'Idempotent-Replayed': { description: '`true` when this is the stored answer to an earlier request with the same key', schema: { type: 'string' } } },
        },
        '400': errorResponse('invalid body'), '409': errorResponse('Idempotency-Key reused with another body'), '413': errorResponse('body too large'), '415': errorResponse('not JSON'),
        '503': busyResponse('too many requests in progress, or too many orders wait for their commit (SERVICE_BUSY): nothing was done; retry after Retry-After seconds') },
    }),
    get: secured('owner', {
      summary: 'List orders, newest first, with cursor paging',
      parameters: Object.keys(ListQuery.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
      responses: {
        '200': { description: 'a page of orders', ...jsonContent({ type: 'object', properties: { items: { type: 'array', items: schemaOf(OrderSchema) }, nextCursor: { type: 'string', nullable: true } } }) },
        '400': errorResponse('invalid query'),
      },
    }),
  },
  '/orders/{id}': {
    get: secured('owner', { summary: 'Read an order', parameters: [idParam], responses: { '200': order, '400': errorResponse('not a UUID'), '404': errorResponse('no such order') } }),
  },
  '/orders/{id}/timeline': {
    get: secured('owner', {
      summary: 'Read an order with every saga event it has seen: type, emitting service, when it was emitted and applied',
      parameters: [idParam],
      responses: {
        '200': { description: 'the order and its events, oldest first', ...jsonContent(schemaOf(OrderTimelineSchema)) },
        '400': errorResponse('not a UUID'),
        '404': errorResponse('no such order'),
      },
    }),
  },
  '/orders/{id}/cancel': {
    post: secured('owner', {
      summary: 'Cancel an order (releases stock, refunds any charge)',
      parameters: [idParam],
      responses: { '202': order, '404': errorResponse('no such order'), '409': errorResponse('already REJECTED or CANCELLED') },
    }),
  },
  ...deadLetterPaths,
});
