import { notFound } from '@orders/platform';
import { jsonBody, parse, type ServiceDeps } from '@orders/runtime';
import { type Express } from 'express';
import type { InventoryConfig } from './config.js';
import { findProduct, listProducts, restockProduct, upsertProduct } from './repository.js';
import { PutProductBody, RestockBody, Sku } from './schemas.js';

export function inventoryRoutes(app: Express, { db }: ServiceDeps<InventoryConfig>): void {
  app.get('/products', async (_req, res) => {
    res.json({ items: await listProducts(db) });
  });

  app.get('/products/:sku', async (req, res) => {
    const sku = parse(Sku, req.params.sku, 'sku');
    const product = await findProduct(db, sku);
    if (!product) throw notFound('product', sku);
    res.json(product);
  });

  app.put('/products/:sku', async (req, res) => {
    const sku = parse(Sku, req.params.sku, 'sku');
    res.json(await upsertProduct(db, sku, jsonBody(PutProductBody, req.body)));
  });

  app.post('/products/:sku/restock', async (req, res) => {
    const sku = parse(Sku, req.params.sku, 'sku');
    const { quantity } = jsonBody(RestockBody, req.body);
    const product = await restockProduct(db, sku, quantity);
    if (!product) throw notFound('product', sku);
    res.json(product);
  });
}
