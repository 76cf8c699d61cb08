import { type Precondition, type PruneTarget, readVersioned, statement, type Statement, type Versioned, type VersionedTable, writeVersioned } from '@orders/db';
import { type Knex } from 'knex';
import { type QueryResult } from 'pg';
import type { PaymentConfig } from './config.js';
import type { OrderPayment, Payment } from './domain.js';

export interface Account {
  customerId: string;
  balanceCents: number;
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

/** Accounts as versioned rows: GET and PUT answer the version as the ETag. */
const ACCOUNTS: VersionedTable = { table: 'accounts', key: 'customer_id', columns: ['customer_id', 'balance_cents'] };

const versioned = ({ version, ...row }: AccountRow & { version: string }): Versioned<Account> => ({ value: toAccount(row), version });

export async function findVersionedAccount(db: Knex, customerId: string): Promise<Versioned<Account> | undefined> {
  const row = await readVersioned<AccountRow>(db, ACCOUNTS, customerId);
  return row && versioned(row);
}

/**
 * PUT /accounts/{id}: creates the account when it does not exist and no version is named;
 * otherwise sets the balance only if the account is still at the version named (any for
 * `*`); the difference is recorded as a deposit (or withdrawal). `exists`: there is one and
 * no version was named; `stale`: it changed since (a charge, a refund, a deposit) or is gone.
 */
export async function putAccount(
  db: Knex,
  customerId: string,
  balanceCents: number,
  precondition: Precondition,
): Promise<Versioned<Account> | 'exists' | 'stale'> {
  const written = await writeVersioned<AccountRow>(
    db,
    ACCOUNTS,
    customerId,
    {
      insert: { customer_id: customerId, balance_cents: balanceCents, deposited_cents: balanceCents },
      set: ['deposited_cents = deposited_cents + (? - balance_cents), balance_cents = ?, updated_at = now()', [balanceCents, balanceCents]],
    },
    precondition,
  );
  return typeof written === 'string' ? written : versioned(written);
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

export async function findPayment(db: Knex, orderId: string): Promise<Payment | undefined> {
  const row = await db<PaymentRow>('payments').where({ order_id: orderId }).first();
  return row && toPayment(row);
}

/** Each order's payment (if any) and whether it was cancelled. Rows: see `orderPaymentsBy`. */
export const loadOrderPayments = (orderIds: readonly string[]): Statement =>
  statement(
    `select o.id, p.order_id, p.customer_id, p.amount_cents, p.status, c.order_id is not null as cancelled
     from unnest(?::uuid[]) as o(id)
     left join payments p on p.order_id = o.id
     left join cancelled_orders c on c.order_id = o.id`,
    [[...orderIds]],
  );

export const orderPaymentsBy = (result: QueryResult): Map<string, OrderPayment> =>
  new Map(
    (result.rows as (Partial<PaymentRow> & { id: string; cancelled: boolean })[]).map((r) => [
      r.id,
      { payment: r.order_id ? toPayment(r as PaymentRow) : undefined, cancelled: r.cancelled },
    ]),
  );

/**
 * Locks, in customer order (so concurrent runs cannot deadlock), the accounts a run needs:
 * of the customers it may charge and of the payments of its orders (read after the orders'
 * locks). Rows: see `balancesBy`.
 */
export const lockAccounts = (customerIds: readonly string[], orderIds: readonly string[]): Statement =>
  statement(
    `select customer_id, balance_cents from accounts
     where customer_id in (select unnest(?::text[]) union select customer_id from payments where order_id = any(?::uuid[]))
     order by customer_id for update`,
    [[...customerIds], [...orderIds]],
  );

export const balancesBy = (result: QueryResult): Map<string, number> =>
  new Map((result.rows as AccountRow[]).map((r) => [r.customer_id, Number(r.balance_cents)]));

/**
 * Writes a run back in one statement: balance movements (charges and refunds recorded as
 * captured and refunded amounts), new or changed payments and cancellations.
 */
export function savePaymentRun(run: {
  captured: ReadonlyMap<string, number>;
  refunded: ReadonlyMap<string, number>;
  payments: ReadonlyMap<string, Payment>;
  cancellations: readonly string[];
}): Statement {
  const customers = [...new Set([...run.captured.keys(), ...run.refunded.keys()])];
  const payments = [...run.payments.values()];
  return statement(
    `with moved as (
       update accounts a set
         balance_cents = a.balance_cents - m.captured + m.refunded,
         captured_cents = a.captured_cents + m.captured,
         refunded_cents = a.refunded_cents + m.refunded,
         updated_at = now()
       from unnest(?::text[], ?::bigint[], ?::bigint[]) as m(customer_id, captured, refunded)
       where a.customer_id = m.customer_id
       returning 1
     ), paid as (
       insert into payments (order_id, customer_id, amount_cents, status)
       select * from unnest(?::uuid[], ?::text[], ?::bigint[], ?::text[])
       on conflict (order_id) do update set status = excluded.status, updated_at = now()
       returning 1
     ), cancelled as (
       insert into cancelled_orders (order_id) select * from unnest(?::uuid[])
       on conflict (order_id) do nothing
       returning 1
     )
     select (select count(*) from moved) + (select count(*) from paid) + (select count(*) from cancelled) as written`,
    [
      customers,
      customers.map((c) => run.captured.get(c) ?? 0),
      customers.map((c) => run.refunded.get(c) ?? 0),
      payments.map((p) => p.orderId),
      payments.map((p) => p.customerId),
      payments.map((p) => p.amountCents),
      payments.map((p) => p.status),
      run.cancellations,
    ],
  );
}

/**
 * What the pruner may delete: tombstones of cancelled orders once no event of the order
 * can come any more (INBOX_RETENTION_MS exceeds the topics' retention). Payments stay.
 */
export const paymentPruning = (config: PaymentConfig): PruneTarget[] => [
  { table: 'cancelled_orders', timeColumn: 'created_at', retentionMs: config.retention.inboxMs },
];
