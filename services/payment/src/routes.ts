import { notFound } from '@orders/platform';
import { asOperator, asOwnerOrOperator, callerOf, jsonBody, parse, preconditionOf, sendVersioned, sendWritten, type ServiceDeps } from '@orders/runtime';
import { type Express } from 'express';
import type { PaymentConfig } from './config.js';
import { deposit, findPayment, findVersionedAccount, putAccount } from './repository.js';
import { CustomerId, DepositBody, OrderId, SetBalanceBody } from './schemas.js';

export function paymentRoutes(app: Express, { db }: ServiceDeps<PaymentConfig>): void {
  app.get('/accounts/:customerId', async (req, res) => {
    callerOf(req);
    const customerId = parse(CustomerId, req.params.customerId, 'customer id');
    asOwnerOrOperator(req, customerId);
    const found = await findVersionedAccount(db, customerId);
    if (!found) throw notFound('account', customerId);
    sendVersioned(res, found);
  });

  // Whole-value: setting a balance names the version it read (If-Match), so it cannot erase a charge or refund it never saw.
  app.put('/accounts/:customerId', async (req, res) => {
    asOperator(req);
    const customerId = parse(CustomerId, req.params.customerId, 'customer id');
    const precondition = preconditionOf(req);
    const { balanceCents } = jsonBody(SetBalanceBody, req.body);
    sendWritten(res, `account ${JSON.stringify(customerId)}`, await putAccount(db, customerId, balanceCents, precondition));
  });

  app.post('/accounts/:customerId/deposits', async (req, res) => {
    asOperator(req);
    const customerId = parse(CustomerId, req.params.customerId, 'customer id');
    const { amountCents } = jsonBody(DepositBody, req.body);
    const account = await deposit(db, customerId, amountCents);
    if (!account) throw notFound('account', customerId);
    res.json(account);
  });

  app.get('/payments/:orderId', async (req, res) => {
    callerOf(req);
    const orderId = parse(OrderId, req.params.orderId, 'order id');
    const payment = await findPayment(db, orderId);
    if (!payment) throw notFound('payment', orderId);
    asOwnerOrOperator(req, payment.customerId);
    res.json(payment);
  });
}
