import type { LocalSystem } from './system.js';

/**
 * saga invariants, read straight from the three databases. Returns every violation
 * found (an empty list when all hold).
 */
export async function checkInvariants(system: LocalSystem): Promise<string[]> {
  const violations: string[] = [];
  const orderDb = system.db('order');
  const paymentDb = system.db('payment');
  const inventoryDb = system.db('inventory');

  for (const p of await inventoryDb('products').select('sku', 'stock_in', 'available', 'reserved', 'sold')) {
    const held = Number(p.available) + Number(p.reserved) + Number(p.sold);
    if (Number(p.stock_in) !== held) violations.push(`stock of ${p.sku}: in ${p.stock_in} != available+reserved+sold ${held}`);
    if (Number(p.available) < 0 || Number(p.reserved) < 0 || Number(p.sold) < 0) violations.push(`negative stock for ${p.sku}`);
  }

  for (const a of await paymentDb('accounts').select('*')) {
    const expected = Number(a.balance_cents) + Number(a.captured_cents) - Number(a.refunded_cents);
    if (Number(a.deposited_cents) !== expected) {
      violations.push(`money of ${a.customer_id}: deposits ${a.deposited_cents} != balance+captured-refunded ${expected}`);
    }
    if (Number(a.balance_cents) < 0) violations.push(`negative balance for ${a.customer_id}`);
  }

  // Sums per customer must match the payment rows (nothing captured or refunded off the books).
  const perCustomer: { customer_id: string; captured: string; refunded: string }[] = await paymentDb('payments')
    .select('customer_id')
    .sum({ captured: 'amount_cents' })
    .sum({ refunded: paymentDb.raw(`case when status = 'REFUNDED' then amount_cents else 0 end`) })
    .groupBy('customer_id');
  const accounts = new Map((await paymentDb('accounts').select('*')).map((a) => [a.customer_id, a]));
  for (const row of perCustomer) {
    const account = accounts.get(row.customer_id);
    if (!account) continue;
    if (Number(account.captured_cents) !== Number(row.captured)) {
      violations.push(`captured of ${row.customer_id}: account ${account.captured_cents} != payments ${row.captured}`);
    }
    if (Number(account.refunded_cents) !== Number(row.refunded)) {
      violations.push(`refunded of ${row.customer_id}: account ${account.refunded_cents} != payments ${row.refunded}`);
    }
  }

  const reservedStock = await inventoryDb('reservations')
    .whereIn('status', ['RESERVED', 'SOLD'])
    .select('status', 'items');
  const holds = new Map<string, { reserved: number; sold: number }>();
  for (const r of reservedStock) {
    for (const line of r.items as { sku: string; quantity: number }[]) {
      const h = holds.get(line.sku) ?? { reserved: 0, sold: 0 };
      if (r.status === 'RESERVED') h.reserved += line.quantity;
      else h.sold += line.quantity;
      holds.set(line.sku, h);
    }
  }
  for (const p of await inventoryDb('products').select('sku', 'reserved', 'sold')) {
    const h = holds.get(p.sku) ?? { reserved: 0, sold: 0 };
    if (h.reserved !== Number(p.reserved) || h.sold !== Number(p.sold)) {
      violations.push(`reservations of ${p.sku} (reserved ${h.reserved}, sold ${h.sold}) != product (${p.reserved}, ${p.sold})`);
    }
  }

  const orders = await orderDb('orders').select('id', 'status', 'total_cents');
  const payments = new Map((await paymentDb('payments').select('*')).map((p) => [p.order_id, p]));
  const reservations = new Map((await inventoryDb('reservations').select('order_id', 'status')).map((r) => [r.order_id, r]));
  for (const order of orders) {
    const payment = payments.get(order.id);
    const reservation = reservations.get(order.id);
    switch (order.status) {
      case 'CONFIRMED':
        if (payment?.status !== 'CAPTURED') violations.push(`CONFIRMED order ${order.id} has payment ${payment?.status}`);
        else if (Number(payment.amount_cents) !== Number(order.total_cents)) violations.push(`order ${order.id} charged ${payment.amount_cents}, total ${order.total_cents}`);
        if (reservation?.status !== 'SOLD') violations.push(`CONFIRMED order ${order.id} has reservation ${reservation?.status}`);
        break;
      case 'CANCELLED':
      case 'REJECTED':
        if (payment && payment.status !== 'REFUNDED') violations.push(`${order.status} order ${order.id} has payment ${payment.status}`);
        if (reservation && !['RELEASED', 'REJECTED'].includes(reservation.status)) {
          violations.push(`${order.status} order ${order.id} still holds stock (${reservation.status})`);
        }
        break;
      default:
        violations.push(`order ${order.id} is not terminal (${order.status})`);
    }
  }
  return violations;
}

/** Waits until no order is PENDING, RESERVED or CANCELLING. */
export async function waitForQuiescence(system: LocalSystem, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await system.db('order')('orders').whereIn('status', ['PENDING', 'RESERVED', 'CANCELLING']).count({ n: '*' });
    const n = Number(row?.n ?? 0);
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} orders still in flight after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until every order is terminal and then until the invariants hold (the other
 * services may still be applying the last events); returns what still fails at the end.
 */
export async function settledViolations(system: LocalSystem, timeoutMs = 60000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  await waitForQuiescence(system, timeoutMs);
  for (;;) {
    const violations = await checkInvariants(system);
    if (violations.length === 0 || Date.now() > deadline) return violations;
    await new Promise((r) => setTimeout(r, 200));
  }
}
