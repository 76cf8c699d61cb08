import { expect } from 'chai';
import { inventoryOpenApi } from '@orders/inventory-service/openapi';
import { orderOpenApi } from '@orders/order-service/openapi';
import { paymentOpenApi } from '@orders/payment-service/openapi';

describe('OpenAPI documents of the three services', function () {
  it('are valid OpenAPI 3.0 documents (checked by a standard validator)', async function () {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    for (const [name, document] of Object.entries({ order: orderOpenApi, payment: paymentOpenApi, inventory: inventoryOpenApi })) {
      const result = await new Validator().validate(JSON.parse(JSON.stringify(document)));
      expect(result, `${name}: ${JSON.stringify(result.errors)}`).to.include({ valid: true });
    }
  });
});
