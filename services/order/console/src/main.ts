import './style.css';
import { ApiError, CANCELLABLE_STATUSES, cancelOrder, FINAL_STATUSES, listOrders, placeOrder, timeline, whenUnauthenticated, type Order } from './api.js';
import { completeSignIn, signedIn, signIn, signOut } from './auth.js';
import { money, statusLine, timelineRows } from './timeline-view.js';

const POLL_MS = 300;
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** A text element: data never goes through innerHTML. */
function el(tag: string, text = '', className = ''): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

// ---------------------------------------------------------------- the order form
const lines = byId<HTMLDivElement>('lines');
let draftKey = crypto.randomUUID(); // one Idempotency-Key per order being placed: a double submit places it once

function addLine(sku = '', quantity = 1): void {
  const row = el('div', '', 'row line');
  const skuInput = Object.assign(document.createElement('input'), { name: 'sku', value: sku, required: true, placeholder: 'SKU' });
  skuInput.setAttribute('list', 'skus');
  const quantityInput = Object.assign(document.createElement('input'), { name: 'quantity', type: 'number', min: '1', max: '1000000', value: String(quantity), required: true });
  const remove = Object.assign(el('button', '×'), { type: 'button', title: 'remove this line' });
  remove.addEventListener('click', () => {
    if (lines.children.length > 1) row.remove();
  });
  row.append(skuInput, quantityInput, remove);
  lines.append(row);
}

byId('add-line').addEventListener('click', () => addLine());
byId<HTMLFormElement>('order-form').addEventListener('input', () => {
  draftKey = crypto.randomUUID(); // a changed order is another order
});
byId<HTMLFormElement>('order-form').addEventListener('submit', async (submitted) => {
  submitted.preventDefault();
  const form = submitted.currentTarget as HTMLFormElement;
  const error = byId('form-error');
  error.textContent = '';
  const customerId = (form.elements.namedItem('customerId') as HTMLInputElement).value.trim();
  const items = [...lines.querySelectorAll('.line')].map((row) => ({
    sku: (row.querySelector('[name=sku]') as HTMLInputElement).value.trim(),
    quantity: Number((row.querySelector('[name=quantity]') as HTMLInputElement).value),
  }));
  const button = byId<HTMLButtonElement>('place-order');
  button.disabled = true;
  try {
    const order = await placeOrder(customerId, items, draftKey);
    draftKey = crypto.randomUUID();
    follow(order.id);
    void showOrders();
  } catch (e) {
    error.textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
  } finally {
    button.disabled = false;
  }
});

// ---------------------------------------------------------------- the saga of one order
let followed: string | null = null;
let poll: number | undefined;

function follow(id: string): void {
  followed = id;
  window.clearTimeout(poll);
  byId('saga-empty').hidden = true;
  byId('saga-order').textContent = id;
  void refresh(id);
}

async function refresh(id: string): Promise<void> {
  let done = false;
  try {
    const { order, events } = await timeline(id);
    if (followed !== id) return;
    renderSaga(order, timelineRows(events));
    done = FINAL_STATUSES.includes(order.status);
  } catch (e) {
    byId('saga-status').textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
  }
  // A final order can still gain events (a late refund): look once more, then stop.
  if (followed === id) poll = window.setTimeout(() => void refresh(id), done ? 3000 : POLL_MS);
}

function renderSaga(order: Order, rows: ReturnType<typeof timelineRows>): void {
  const status = byId('saga-status');
  status.textContent = statusLine(order);
  status.dataset.status = order.status;
  const list = byId('timeline');
  list.replaceChildren(
    ...rows.map((row) => {
      const item = el('li', '', `event from-${row.emittedBy}`);
      item.dataset.type = row.type;
      item.append(
        el('span', `+${row.atMs} ms`, 'at'),
        el('span', row.type, 'type'),
        el('span', row.emittedBy, 'service'),
        el('span', row.hopMs === null ? 'placed' : `hop ${row.hopMs} ms`, 'hop'),
      );
      return item;
    }),
  );
  const cancel = byId<HTMLButtonElement>('cancel-order');
  cancel.hidden = !CANCELLABLE_STATUSES.includes(order.status);
}

byId('cancel-order').addEventListener('click', async () => {
  if (!followed) return;
  const button = byId<HTMLButtonElement>('cancel-order');
  button.disabled = true;
  try {
    await cancelOrder(followed);
    window.clearTimeout(poll);
    void refresh(followed); // follow the compensation
  } catch (e) {
    byId('saga-status').textContent = e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
  } finally {
    button.disabled = false;
  }
});

// ---------------------------------------------------------------- recent orders, paged
const pages: (string | null)[] = [null]; // cursors of the pages shown so far
let nextCursor: string | null = null;

async function showOrders(): Promise<void> {
  const page = await listOrders(pages.at(-1) ?? null);
  nextCursor = page.nextCursor;
  byId<HTMLButtonElement>('older').disabled = nextCursor === null;
  byId<HTMLButtonElement>('newest').disabled = pages.length === 1;
  byId('orders').replaceChildren(
    ...page.items.map((order) => {
      const row = el('tr');
      row.dataset.id = order.id;
      const status = el('td', order.reason ? `${order.status} (${order.reason})` : order.status, 'status');
      status.dataset.status = order.status;
      row.append(
        el('td', order.id.slice(0, 8), 'mono'),
        el('td', order.customerId),
        status,
        el('td', order.totalCents === null ? '' : money(order.totalCents)),
        el('td', new Date(order.createdAt).toLocaleTimeString()),
      );
      row.addEventListener('click', () => follow(order.id));
      return row;
    }),
  );
}

byId('older').addEventListener('click', () => {
  if (nextCursor === null) return;
  pages.push(nextCursor);
  void showOrders();
});
byId('newest').addEventListener('click', () => {
  pages.splice(1);
  void showOrders();
});
window.setInterval(() => {
  if (pages.length === 1 && signedIn()) void showOrders(); // the newest page stays current
}, 2000);

// ---------------------------------------------------------------- who is signed in
function showWho(): boolean {
  const who = signedIn();
  byId('who-name').textContent = who ? `${who.subject} (${who.role})` : 'not signed in';
  byId('sign-in').hidden = who !== undefined;
  byId('sign-out').hidden = who === undefined;
  // A customer orders for itself; the field names whoever is signed in.
  const customer = byId<HTMLFormElement>('order-form').elements.namedItem('customerId') as HTMLInputElement;
  if (who?.role === 'customer') customer.value = who.subject;
  customer.readOnly = who?.role === 'customer';
  return who !== undefined;
}

byId('sign-in').addEventListener('click', () => void signIn());
byId('sign-out').addEventListener('click', () => void signOut());
whenUnauthenticated(() => {
  showWho();
  byId('auth-error').textContent = 'Your sign-in has ended: sign in again.';
});

addLine('KEYBOARD-01', 1);
addLine('MOUSE-01', 1);
byId('auth-error').textContent = (await completeSignIn()) ?? '';
if (showWho()) void showOrders();
