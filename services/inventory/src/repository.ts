import { type Precondition, type PruneTarget, readVersioned, statement, type Statement, type Versioned, type VersionedTable, writeVersioned } from '@orders/db';
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

/** By SKU, `limit` + 1 products after `afterSku`: the extra one tells whether there is a next page (pageOf). */
export async function listProducts(db: Knex, query: { limit: number; afterSku?: string | undefined }): Promise<Product[]> {
  const q = db('products').select(PRODUCT_COLUMNS).orderBy('sku').limit(query.limit + 1);
  if (query.afterSku !== undefined) q.where('sku', '>', query.afterSku);
  return ((await q) as ProductRow[]).map(toProduct);
}

/** Products as versioned rows: GET and PUT answer the version as the ETag. */
const PRODUCTS: VersionedTable = { table: 'products', key: 'sku', columns: PRODUCT_COLUMNS };

const versioned = ({ version, ...row }: ProductRow & { version: string }): Versioned<Product> => ({ value: toProduct(row), version });

export async function findVersionedProduct(db: Knex, sku: string): Promise<Versioned<Product> | undefined> {
  const row = await readVersioned<ProductRow>(db, PRODUCTS, sku);
  return row && versioned(row);
}

/**
 * PUT /products/{sku}: creates the product when it does not exist and no version is named;
 * otherwise replaces it only if it is still at the version named (any version for `*`). A
 * change of `available` is recorded in stock_in. `exists`: there is one and no version was
 * named; `stale`: it changed since (or is gone).
 */
export async function putProduct(
  db: Knex,
  sku: string,
  input: { name: string; priceCents: number; available: number },
  precondition: Precondition,
): Promise<Versioned<Product> | 'exists' | 'stale'> {
  const written = await writeVersioned<ProductRow>(
    db,
    PRODUCTS,
    sku,
    {
      insert: { sku, name: input.name, price_cents: input.priceCents, available: input.available, stock_in: input.available },
      set: [
        'name = ?, price_cents = ?, stock_in = stock_in + (? - available), available = ?, updated_at = now()',
        [input.name, input.priceCents, input.available, input.available],
      ],
    },
    precondition,
  );
  return typeof written === 'string' ? written : versioned(written);
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
