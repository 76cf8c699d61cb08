import { errorResponse, jsonContent, openApiDocument, schemaOf } from '@orders/runtime';
import { ProductSchema, PutProductBody, RestockBody } from './schemas.js';

const product = { description: 'the product', ...jsonContent(schemaOf(ProductSchema)) };
const skuParam = { name: 'sku', in: 'path', required: true, schema: { type: 'string' } };

export const inventoryOpenApi = openApiDocument('Inventory service', '1.0.0', {
  '/products': {
    get: { summary: 'The catalogue', responses: { '200': { description: 'every product', ...jsonContent({ type: 'object', properties: { items: { type: 'array', items: schemaOf(ProductSchema) } } }) } } },
  },
  '/products/{sku}': {
    get: { summary: 'One product', parameters: [skuParam], responses: { '200': product, '400': errorResponse('bad SKU'), '404': errorResponse('no such product') } },
    put: {
      summary: 'Create or replace a product',
      parameters: [skuParam],
      requestBody: { required: true, ...jsonContent(schemaOf(PutProductBody)) },
      responses: { '200': product, '400': errorResponse('invalid body') },
    },
  },
  '/products/{sku}/restock': {
    post: {
      summary: 'Add stock',
      parameters: [skuParam],
      requestBody: { required: true, ...jsonContent(schemaOf(RestockBody)) },
      responses: { '200': product, '400': errorResponse('invalid body'), '404': errorResponse('no such product') },
    },
  },
});
