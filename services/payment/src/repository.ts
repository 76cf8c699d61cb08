import type { Knex } from '@orders/shared';

export interface Account {
  customerId: string;
  balanceCents: number;
}

export interface Payment {
  orderId: string;
  customerId: string;
  amountCents: number;
  status: 'CAPTURED' | 'REFUNDED';
}

interface AccountRow {
  customer_id: string;
  balance_cents: string | number;
}

interface PaymentRow {
  order_id: string;
  customer_id: string;
  amount_cents: string | number;
  status: 'CAPTURED' | 'REFUNDED';
}

const toAccount = (row: AccountRow): Account => ({ customerId: row.customer_id, balanceCents: Number(row.balance_cents) });
const toPayment = (row: PaymentRow): Payment => ({
  orderId: row.order_id,
  customerId: row.customer_id,
  amountCents: Number(row.amount_cents),
  status: row.status,
});

export async function findAccount(db: Knex, customerId: string): Promise<Account | undefined> {
  const row = await db<AccountRow>('accounts').where({ customer_id: customerId }).first();
  return row && toAccount(row);
}

/** Create or set the balance; the difference is recorded as a deposit (or withdrawal). */
export async function setBalance(db: Knex, customerId: string, balanceCents: number): Promise<Account> {
  const { rows } = await db.raw<{ rows: AccountRow[] }>(
    `insert into accounts (customer_id, balance_cents, deposited_cents) values (?, ?, ?)
     on conflict (customer_id) do update set
       deposited_cents = accounts.deposited_cents + (excluded.balance_cents - accounts.balance_cents),
       balance_cents = excluded.balance_cents,
       updated_at = now()
     returning customer_id, balance_cents`,
    [customerId, balanceCents, balanceCents],
  );
  return toAccount(rows[0]!);
}

export async function deposit(db: Knex, customerId: string, amountCents: number): Promise<Account | undefined> {
  const [row] = (await db('accounts')
    .where({ customer_id: customerId })
    .update({
      balance_cents: db.raw('balance_cents + ?', [amountCents]),
      deposited_cents: db.raw('deposited_cents + ?', [amountCents]),
      updated_at: db.fn.now(),
    })
    .returning(['customer_id', 'balance_cents'])) as AccountRow[];
  return row && toAccount(row);
}

export type ChargeResult = 'charged' | 'insufficient-funds' | 'unknown-customer';

/** Takes `amountCents` from the balance in one statement; never below zero. */
export async function charge(trx: Knex.Transaction, customerId: string, amountCents: number): Promise<ChargeResult> {
  const updated = await trx('accounts')
    .where({ customer_id: customerId })
    .andWhere('balance_cents', '>=', amountCents)
    .update({
      balance_cents: trx.raw('balance_cents - ?', [amountCents]),
      captured_cents: trx.raw('captured_cents + ?', [amountCents]),
      updated_at: trx.fn.now(),
    });
  if (updated === 1) return 'charged';
  const exists = await trx('accounts').where({ customer_id: customerId }).first('customer_id');
  return exists ? 'insufficient-funds' : 'unknown-customer';
}

export async function refund(trx: Knex.Transaction, customerId: string, amountCents: number): Promise<void> {
  await trx('accounts')
    .where({ customer_id: customerId })
    .update({
      balance_cents: trx.raw('balance_cents + ?', [amountCents]),
      refunded_cents: trx.raw('refunded_cents + ?', [amountCents]),
      updated_at: trx.fn.now(),
    });
}

export async function findPayment(db: Knex, orderId: string): Promise<Payment | undefined> {
  const row = await db<PaymentRow>('payments').where({ order_id: orderId }).first();
  return row && toPayment(row);
}

export async function lockPayment(trx: Knex.Transaction, orderId: string): Promise<Payment | undefined> {
  const row = await trx<PaymentRow>('payments').where({ order_id: orderId }).forUpdate().first();
  return row && toPayment(row);
}

export async function insertPayment(trx: Knex.Transaction, payment: Payment): Promise<void> {
  await trx('payments').insert({
    order_id: payment.orderId,
    customer_id: payment.customerId,
    amount_cents: payment.amountCents,
    status: payment.status,
  });
}

export async function markRefunded(trx: Knex.Transaction, orderId: string): Promise<void> {
  await trx('payments').where({ order_id: orderId }).update({ status: 'REFUNDED', updated_at: trx.fn.now() });
}

/** Records the cancellation; false if it was recorded before. */
export async function recordCancellation(trx: Knex.Transaction, orderId: string): Promise<boolean> {
  const rows = await trx('cancelled_orders').insert({ order_id: orderId }).onConflict('order_id').ignore().returning('order_id');
  return rows.length > 0;
}

export async function isCancelled(trx: Knex.Transaction, orderId: string): Promise<boolean> {
  return (await trx('cancelled_orders').where({ order_id: orderId }).first('order_id')) !== undefined;
}
