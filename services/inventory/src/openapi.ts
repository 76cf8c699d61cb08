import { deadLetterPaths, conditionalResponses, errorResponse, etagHeader, ifMatchParameter, jsonContent, openApiDocument, schemaOf, secured } from '@orders/runtime';
import { ProductListQuery, ProductSchema, PutProductBody, RestockBody } from './schemas.js';

const product = { description: 'the product', ...jsonContent(schemaOf(ProductSchema)) };
const skuParam = { name: 'sku', in: 'path', required: true, schema: { type: 'string' } };

export const inventoryOpenApi = openApiDocument('Inventory service', '1.0.0', {
  '/products': {
    get: {
      summary: 'The catalogue by SKU, with cursor paging (limit 1-100, 20 by default)',
      parameters: Object.keys(ProductListQuery.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
      responses: {
        '200': {
          description: 'a page of products',
          ...jsonContent({ type: 'object', properties: { items: { type: 'array', items: schemaOf(ProductSchema) }, nextCursor: { type: 'string', nullable: true } } }),
        },
        '400': errorResponse('invalid query'),
      },
    },
  },
  '/products/{sku}': {
    get: { summary: 'One product', parameters: [skuParam], responses: { '200': { ...product, headers: etagHeader }, '400': errorResponse('bad SKU'), '404': errorResponse('no such product') } },
    put: secured('operator', {
      summary: 'Create a product, or replace the version read (If-Match)',
      parameters: [skuParam, ifMatchParameter],
      requestBody: { required: true, ...jsonContent(schemaOf(PutProductBody)) },
      responses: { '200': { ...product, headers: etagHeader }, '400': errorResponse('invalid body or If-Match'), ...conditionalResponses() },
    }),
  },
  '/products/{sku}/restock': {
    post: secured('operator', {
      summary: 'Add stock',
      parameters: [skuParam],
      requestBody: { required: true, ...jsonContent(schemaOf(RestockBody)) },
      responses: { '200': product, '400': errorResponse('invalid body'), '404': errorResponse('no such product') },
    }),
  },
  ...deadLetterPaths,
});
