import { notFound } from '@orders/platform';
import {
  asOperator,
  decodeCursor,
  jsonBody,
  PAGE_LIMIT_DEFAULT,
  pageOf,
  parse,
  preconditionOf,
  sendVersioned,
  sendWritten,
  type ServiceDeps,
} from '@orders/runtime';
import { type Express } from 'express';
import type { InventoryConfig } from './config.js';
import { findVersionedProduct, listProducts, putProduct, restockProduct } from './repository.js';
import { ProductListQuery, PutProductBody, RestockBody, Sku } from './schemas.js';

/** The catalogue is ordered by SKU: a cursor holds the last one's. */
const CURSOR = 'p';

/** The catalogue is public; changing it is an operator's. */
export function inventoryRoutes(app: Express, { db }: ServiceDeps<InventoryConfig>): void {
  app.get('/products', async (req, res) => {
    const query = parse(ProductListQuery, req.query, 'query');
    const limit = query.limit ?? PAGE_LIMIT_DEFAULT;
    const afterSku = query.cursor === undefined ? undefined : decodeCursor(CURSOR, query.cursor, (sku) => Sku.safeParse(sku).success);
    res.json(pageOf(await listProducts(db, { limit, afterSku }), limit, (product) => product.sku, CURSOR));
  });

  app.get('/products/:sku', async (req, res) => {
    const sku = parse(Sku, req.params.sku, 'sku');
    const found = await findVersionedProduct(db, sku);
    if (!found) throw notFound('product', sku);
    sendVersioned(res, found);
  });

  // Whole-value: a replace names the version it read (If-Match), so it cannot undo a change it never saw.
  app.put('/products/:sku', async (req, res) => {
    asOperator(req);
    const sku = parse(Sku, req.params.sku, 'sku');
    const precondition = preconditionOf(req);
    sendWritten(res, `product ${JSON.stringify(sku)}`, await putProduct(db, sku, jsonBody(PutProductBody, req.body), precondition));
  });

  app.post('/products/:sku/restock', async (req, res) => {
    asOperator(req);
    const sku = parse(Sku, req.params.sku, 'sku');
    const { quantity } = jsonBody(RestockBody, req.body);
    const product = await restockProduct(db, sku, quantity);
    if (!product) throw notFound('product', sku);
    res.json(product);
  });
}
