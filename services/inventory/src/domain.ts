export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  available: number;
  reserved: number;
  sold: number;
}

export type ReservationStatus = 'RESERVED' | 'SOLD' | 'RELEASED' | 'REJECTED';

export interface Line {
  sku: string;
  quantity: number;
}

export interface PricedLine extends Line {
  unitPriceCents: number;
}

export type ReservationDecision =
  | { kind: 'reserved'; items: PricedLine[]; totalCents: number }
  | { kind: 'rejected'; reason: 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT'; skus: string[] };

/** All-or-nothing at the catalogue price (SPEC §2.2): unknown SKUs first, then stock. */
export function decideReservation(lines: readonly Line[], stock: ReadonlyMap<string, Product>): ReservationDecision {
  const unknown = lines.filter((l) => !stock.has(l.sku)).map((l) => l.sku);
  if (unknown.length > 0) return { kind: 'rejected', reason: 'UNKNOWN_PRODUCT', skus: unknown };
  const short = lines.filter((l) => stock.get(l.sku)!.available < l.quantity).map((l) => l.sku);
  if (short.length > 0) return { kind: 'rejected', reason: 'OUT_OF_STOCK', skus: short };
  const items = lines.map((l) => ({ ...l, unitPriceCents: stock.get(l.sku)!.priceCents }));
  return { kind: 'reserved', items, totalCents: items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0) };
}
