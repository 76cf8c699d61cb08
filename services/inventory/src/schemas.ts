import { Cents, DisplayName, LIMITS, Sku } from '@orders/contracts';
import { z } from 'zod';
import { pageQuery } from '@orders/runtime';

export { Sku };

export const PutProductBody = z.strictObject({
  name: DisplayName,
  priceCents: Cents.max(LIMITS.maxPriceCents),
  available: z.number().int().min(0).max(1_000_000_000),
});

/** GET /products: a page of the catalogue, by SKU. */
export const ProductListQuery = z.strictObject({ ...pageQuery });

export const RestockBody = z.strictObject({ quantity: z.number().int().min(1).max(1_000_000_000) });

export const ProductSchema = z.object({
  sku: z.string(),
  name: z.string(),
  priceCents: z.number().int(),
  available: z.number().int(),
  reserved: z.number().int(),
  sold: z.number().int(),
});
