import { openApiDocument, schemaOf } from '@orders/shared';
import { ProductSchema, PutProductBody, RestockBody } from './schemas.js';

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
const product = { description: 'the product', ...json(schemaOf(ProductSchema)) };
const skuParam = { name: 'sku', in: 'path', required: true, schema: { type: 'string' } };

export const inventoryOpenApi = openApiDocument('Inventory service', '1.0.0', {
  '/products': {
    get: { summary: 'The catalogue', responses: { '200': json({ type: 'object', properties: { items: { type: 'array', items: schemaOf(ProductSchema) } } }) } },
  },
  '/products/{sku}': {
    get: { summary: 'One product', parameters: [skuParam], responses: { '200': product, '400': error('bad SKU'), '404': error('no such product') } },
    put: {
      summary: 'Create or replace a product',
      parameters: [skuParam],
      requestBody: { required: true, ...json(schemaOf(PutProductBody)) },
      responses: { '200': product, '400': error('invalid body') },
    },
  },
  '/products/{sku}/restock': {
    post: {
      summary: 'Add stock',
      parameters: [skuParam],
      requestBody: { required: true, ...json(schemaOf(RestockBody)) },
      responses: { '200': product, '400': error('invalid body'), '404': error('no such product') },
    },
  },
});
