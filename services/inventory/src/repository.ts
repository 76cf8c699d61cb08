import { type PruneTarget, statement, type Statement } from '@orders/db';
import { type Knex } from 'knex';
import { type QueryResult } from 'pg';
import type { InventoryConfig } from './config.js';
import type { Product, Reservation, StockMove } from './domain.js';

interface ProductRow {
  sku: string;
  name: string;
  price_cents: string | number;
  // bigint columns: pg returns them as strings.
  available: string | number;
  reserved: string | number;
  sold: string | number;
}

export const toProduct = (row: ProductRow): Product => ({
  sku: row.sku,
  name: row.name,
  priceCents: Number(row.price_cents),
  available: Number(row.available),
  reserved: Number(row.reserved),
  sold: Number(row.sold),
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

/**
 * Locks, in SKU order (so concurrent runs cannot deadlock), the products a run touches:
 * those its orders ask for and those in the reservations of its orders (read after the
 * orders' locks). Rows: see `lockedProducts`.
 */
export const lockProducts = (skus: readonly string[], orderIds: readonly string[]): Statement =>
  statement(
    `select ${PRODUCT_COLUMNS.join(', ')} from products
     where sku in (
       select unnest(?::text[])
       union
       select line->>'sku' from reservations r, jsonb_array_elements(r.items) as line where r.order_id = any(?::uuid[])
     )
     order by sku for update`,
    [[...skus], [...orderIds]],
  );

export const lockedProducts = (result: QueryResult): Map<string, Product> =>
  new Map((result.rows as ProductRow[]).map((r) => [r.sku, toProduct(r)]));

/** The reservations of these orders (callers hold the orders' advisory locks). Rows: see `reservationsBy`. */
export const loadReservations = (orderIds: readonly string[]): Statement =>
  statement('select order_id, status, items, total_cents from reservations where order_id = any(?::uuid[])', [[...orderIds]]);

export const reservationsBy = (result: QueryResult): Map<string, Reservation> =>
  new Map((result.rows as Reservation[]).map((r) => [r.order_id, r]));

/** Writes a run back in one statement: per-SKU stock moves, new or changed reservations. */
export function saveInventoryRun(run: { moves: ReadonlyMap<string, StockMove>; reservations: ReadonlyMap<string, Reservation> }): Statement {
  const moves = [...run.moves];
  const reservations = [...run.reservations.values()];
  return statement(
    `with moved as (
       update products p set
         available = p.available + d.available,
         reserved = p.reserved + d.reserved,
         sold = p.sold + d.sold,
         updated_at = now()
       from unnest(?::text[], ?::bigint[], ?::bigint[], ?::bigint[]) as d(sku, available, reserved, sold)
       where p.sku = d.sku
       returning 1
     ), reserved as (
       insert into reservations (order_id, status, items, total_cents)
       select * from unnest(?::uuid[], ?::text[], ?::jsonb[], ?::bigint[])
       on conflict (order_id) do update set status = excluded.status, updated_at = now()
       returning 1
     )
     select (select count(*) from moved) + (select count(*) from reserved) as written`,
    [
      moves.map(([sku]) => sku),
      moves.map(([, m]) => m.available),
      moves.map(([, m]) => m.reserved),
      moves.map(([, m]) => m.sold),
      reservations.map((r) => r.order_id),
      reservations.map((r) => r.status),
      reservations.map((r) => JSON.stringify(r.items)),
      reservations.map((r) => r.total_cents),
    ],
  );
}

/**
 * What the pruner may delete: reservations that can change no more (released or
 * rejected) once no event of their order can come any more. A sold reservation stays: the
 * customer may still cancel the order and get the stock back.
 */
export const inventoryPruning = (config: InventoryConfig): PruneTarget[] => [
  { table: 'reservations', timeColumn: 'updated_at', retentionMs: config.retention.inboxMs, where: "status in ('RELEASED','REJECTED')" },
];
