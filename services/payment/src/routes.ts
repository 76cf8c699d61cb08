import { notFound } from '@orders/platform';
import { jsonBody, parse, type ServiceDeps } from '@orders/runtime';
import { type Express } from 'express';
import type { PaymentConfig } from './config.js';
import { deposit, findAccount, findPayment, setBalance } from './repository.js';
import { CustomerId, DepositBody, OrderId, SetBalanceBody } from './schemas.js';

export function paymentRoutes(app: Express, { db }: ServiceDeps<PaymentConfig>): void {
  app.get('/accounts/:customerId', async (req, res) => {
    const customerId = parse(CustomerId, req.params.customerId, 'customer id');
    const account = await findAccount(db, customerId);
    if (!account) throw notFound('account', customerId);
    res.json(account);
  });

  app.put('/accounts/:customerId', async (req, res) => {
    const customerId = parse(CustomerId, req.params.customerId, 'customer id');
    const { balanceCents } = jsonBody(SetBalanceBody, req.body);
    res.json(await setBalance(db, customerId, balanceCents));
  });

  app.post('/accounts/:customerId/deposits', async (req, res) => {
    const customerId = parse(CustomerId, req.params.customerId, 'customer id');
    const { amountCents } = jsonBody(DepositBody, req.body);
    const account = await deposit(db, customerId, amountCents);
    if (!account) throw notFound('account', customerId);
    res.json(account);
  });

  app.get('/payments/:orderId', async (req, res) => {
    const orderId = parse(OrderId, req.params.orderId, 'order id');
    const payment = await findPayment(db, orderId);
    if (!payment) throw notFound('payment', orderId);
    res.json(payment);
  });
}
