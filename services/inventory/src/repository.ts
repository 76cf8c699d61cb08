import type { Knex } from '@orders/shared';
import type { Line, PricedLine, Product, ReservationStatus } from './domain.js';

interface ProductRow {
  sku: string;
  name: string;
  price_cents: string | number;
  available: number;
  reserved: number;
  sold: number;
}

export interface ReservationRow {
  order_id: string;
  status: ReservationStatus;
  items: PricedLine[] | Line[];
  total_cents: string | number | null;
}

export const toProduct = (row: ProductRow): Product => ({
  sku: row.sku,
  name: row.name,
  priceCents: Number(row.price_cents),
  available: row.available,
  reserved: row.reserved,
  sold: row.sold,
});

const PRODUCT_COLUMNS = ['sku', 'name', 'price_cents', 'available', 'reserved', 'sold'];

export async function listProducts(db: Knex): Promise<Product[]> {
  return ((await db('products').select(PRODUCT_COLUMNS).orderBy('sku')) as ProductRow[]).map(toProduct);
}

export async function findProduct(db: Knex, sku: string): Promise<Product | undefined> {
  const row = (await db('products').select(PRODUCT_COLUMNS).where({ sku }).first()) as ProductRow | undefined;
  return row && toProduct(row);
}

/** Create or replace; a change of `available` is recorded in stock_in. */
export async function upsertProduct(
  db: Knex,
  sku: string,
  input: { name: string; priceCents: number; available: number },
): Promise<Product> {
  const { rows } = await db.raw<{ rows: ProductRow[] }>(
    `insert into products (sku, name, price_cents, available, stock_in) values (?, ?, ?, ?, ?)
     on conflict (sku) do update set
       name = excluded.name,
       price_cents = excluded.price_cents,
       stock_in = products.stock_in + (excluded.available - products.available),
       available = excluded.available,
       updated_at = now()
     returning ${PRODUCT_COLUMNS.join(', ')}`,
    [sku, input.name, input.priceCents, input.available, input.available],
  );
  return toProduct(rows[0]!);
}

export async function restockProduct(db: Knex, sku: string, quantity: number): Promise<Product | undefined> {
  const [row] = (await db('products')
    .where({ sku })
    .update({
      available: db.raw('available + ?', [quantity]),
      stock_in: db.raw('stock_in + ?', [quantity]),
      updated_at: db.fn.now(),
    })
    .returning(PRODUCT_COLUMNS)) as ProductRow[];
  return row && toProduct(row);
}

/** Locks the products of an order in SKU order, so concurrent orders cannot deadlock. */
export async function lockProducts(trx: Knex.Transaction, skus: string[]): Promise<Map<string, Product>> {
  const rows = (await trx('products')
    .select(PRODUCT_COLUMNS)
    .whereIn('sku', skus)
    .orderBy('sku')
    .forUpdate()) as ProductRow[];
  return new Map(rows.map((r) => [r.sku, toProduct(r)]));
}

export interface StockDelta {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

/** Applies per-SKU moves between available, reserved and sold in one statement. */
export async function moveStock(trx: Knex.Transaction, deltas: StockDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  await trx.raw(
    `update products p set
       available = p.available + d.available,
       reserved = p.reserved + d.reserved,
       sold = p.sold + d.sold,
       updated_at = now()
     from unnest(?::text[], ?::int[], ?::int[], ?::int[]) as d(sku, available, reserved, sold)
     where p.sku = d.sku`,
    [deltas.map((d) => d.sku), deltas.map((d) => d.available), deltas.map((d) => d.reserved), deltas.map((d) => d.sold)],
  );
}

export async function lockReservation(trx: Knex.Transaction, orderId: string): Promise<ReservationRow | undefined> {
  return trx<ReservationRow>('reservations').where({ order_id: orderId }).forUpdate().first();
}

export async function insertReservation(
  trx: Knex.Transaction,
  row: { order_id: string; status: ReservationStatus; items: Line[] | PricedLine[]; total_cents: number | null },
): Promise<void> {
  await trx('reservations').insert({ ...row, items: JSON.stringify(row.items) });
}

export async function setReservationStatus(trx: Knex.Transaction, orderId: string, status: ReservationStatus): Promise<void> {
  await trx('reservations').where({ order_id: orderId }).update({ status, updated_at: trx.fn.now() });
}
