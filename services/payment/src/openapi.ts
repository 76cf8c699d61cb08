import { deadLetterPaths, conditionalResponses, errorResponse, etagHeader, ifMatchParameter, jsonContent, openApiDocument, schemaOf, secured } from '@orders/runtime';
import { AccountSchema, DepositBody, PaymentSchema, SetBalanceBody } from './schemas.js';

const account = { description: 'the account', ...jsonContent(schemaOf(AccountSchema)) };
const customerParam = { name: 'customerId', in: 'path', required: true, schema: { type: 'string' } };

export const paymentOpenApi = openApiDocument('Payment service', '1.0.0', {
  '/accounts/{customerId}': {
    get: secured('owner', { summary: 'Read an account', parameters: [customerParam], responses: { '200': { ...account, headers: etagHeader }, '404': errorResponse('no such account') } }),
    put: secured('operator', {
      summary: 'Create an account, or set the balance of the version read (If-Match); recorded as a deposit or adjustment',
      parameters: [customerParam, ifMatchParameter],
      requestBody: { required: true, ...jsonContent(schemaOf(SetBalanceBody)) },
      responses: { '200': { ...account, headers: etagHeader }, '400': errorResponse('invalid body or If-Match'), ...conditionalResponses() },
    }),
  },
  '/accounts/{customerId}/deposits': {
    post: secured('operator', {
      summary: 'Deposit money',
      parameters: [customerParam],
      requestBody: { required: true, ...jsonContent(schemaOf(DepositBody)) },
      responses: { '200': account, '400': errorResponse('invalid body'), '404': errorResponse('no such account') },
    }),
  },
  '/payments/{orderId}': {
    get: secured('owner', {
      summary: "An order's payment",
      parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
      responses: { '200': { description: 'the payment', ...jsonContent(schemaOf(PaymentSchema)) }, '404': errorResponse('no payment for that order') },
    }),
  },
  ...deadLetterPaths,
});
