import { expect } from 'chai';
import { decideReservation, type Product } from '../src/domain.js';

const product = (sku: string, priceCents: number, available: number): Product => ({
  sku,
  name: sku,
  priceCents,
  available,
  reserved: 0,
  sold: 0,
});
const stock = new Map([
  ['A', product('A', 250, 3)],
  ['B', product('B', 1000, 1)],
]);

describe('inventory: reservation decision', function () {
  it('reserves every line at the catalogue price and totals it', function () {
    expect(decideReservation([{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }], stock)).to.deep.equal({
      kind: 'reserved',
      items: [
        { sku: 'A', quantity: 3, unitPriceCents: 250 },
        { sku: 'B', quantity: 1, unitPriceCents: 1000 },
      ],
      totalCents: 1750,
    });
  });

  it('rejects all lines when one is short, naming the short SKUs', function () {
    expect(decideReservation([{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }], stock)).to.deep.equal({
      kind: 'rejected',
      reason: 'OUT_OF_STOCK',
      skus: ['B'],
    });
  });

  it('prefers UNKNOWN_PRODUCT over OUT_OF_STOCK', function () {
    expect(decideReservation([{ sku: 'B', quantity: 5 }, { sku: 'Z', quantity: 1 }], stock)).to.deep.include({
      reason: 'UNKNOWN_PRODUCT',
      skus: ['Z'],
    });
  });
});
