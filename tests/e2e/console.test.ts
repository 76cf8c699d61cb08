import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { Api } from '../support/api.js';
import { isCspViolation, launchBrowser } from '../support/browser.js';
import { LocalSystem } from '../support/system.js';

/** Set to a path (e.g. docs/images/console.png) to save the README's screenshot. */
const SCREENSHOT = process.env.CONSOLE_SCREENSHOT;

describe('order console in a real browser (headless Chromium, three services on real Kafka and PostgreSQL)', function () {
  this.timeout(120000);
  let system: LocalSystem;
  let browser: Browser;
  const cspViolations: string[] = [];
  let page: Page;

  const events = async () => page.locator('#timeline .event').evaluateAll((items) => items.map((i) => `${i.querySelector('.type')!.textContent} by ${i.querySelector('.service')!.textContent}`));
  const status = (text: string) => page.locator('#saga-status', { hasText: text }).waitFor({ timeout: 20000 });
  /** Places an order as the customer signed in (the field holds that customer and cannot be changed). */
  async function place(customer: string, lines: [string, number][]): Promise<void> {
    expect(await page.inputValue('input[name=customerId]')).to.equal(customer);
    const rows = page.locator('#lines .line');
    while ((await rows.count()) > 1) await rows.last().locator('button').click();
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) await page.click('#add-line');
      await rows.nth(i).locator('input[name=sku]').fill(lines[i]![0]);
      await rows.nth(i).locator('input[name=quantity]').fill(String(lines[i]![1]));
    }
    await page.click('#place-order');
  }

  before(async function () {
    system = await LocalSystem.start();
    const api = new Api(system);
    await api.product('KEYBOARD-01', 8999, 100);
    await api.product('MOUSE-01', 2499, 100);
    await api.product('LAST-ONE', 1000, 1);
    await api.account('alice', 100_000);
    await system.identity.customer('alice');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 820 } });
    page.on('console', (message) => {
      if (isCspViolation(message.text())) cspViolations.push(message.text());
    });
    // The service's root leads to the console.
    await page.goto(system.url('order', '/'));
  });
  after(async function () {
    await browser?.close();
    await system?.stop();
  });

  it('opens from the order service\'s root: / leads to /console/', async function () {
    expect(new URL(page.url()).pathname).to.equal('/console/');
    const headers = (await fetch(system.url('order', '/console/'))).headers;
    expect(headers.get('content-security-policy')).to.include("frame-ancestors 'none'");
    expect(headers.get('x-content-type-options')).to.equal('nosniff');
    const answer = await fetch(system.url('order', '/'), { redirect: 'manual' });
    expect([answer.status, answer.headers.get('location')]).to.deep.equal([302, '/console/']);
  });

  it('signs in at the identity service (authorization code with PKCE) and shows who is signed in; a wrong password is refused', async function () {
    await page.locator('#who-name', { hasText: 'not signed in' }).waitFor();
    expect(await page.locator('#orders tr').count(), 'nothing is listed to nobody').to.equal(0);
    await page.click('#sign-in');
    await page.waitForURL(`${system.identity.issuer}/interaction/**`);
    await page.fill('#user', 'alice');
    await page.fill('#password', 'not-the-password');
    await page.click('button[type=submit]');
    await page.locator('.problem', { hasText: 'Wrong user or password.' }).waitFor();
    await page.fill('#password', system.identity.customerPassword);
    await page.click('button[type=submit]');
    await page.waitForURL(system.url('order', '/console/'));
    await page.locator('#who-name', { hasText: 'alice (customer)' }).waitFor();
    expect(new URL(page.url()).search, 'the code is gone from the address bar').to.equal('');
    expect(await page.locator('input[name=customerId]').getAttribute('readonly')).to.not.equal(null);
    const token = await page.evaluate(() => (globalThis as any).sessionStorage.getItem('orders.console.token') as string);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).to.include({ sub: 'alice', iss: system.identity.issuer });
  });

  it('places an order and shows its saga as it happens: each event, the service that emitted it, the time between hops', async function () {
    await place('alice', [
      ['KEYBOARD-01', 2],
      ['MOUSE-01', 1],
    ]);
    await status('CONFIRMED');
    expect(await page.locator('#saga-status').textContent()).to.equal('CONFIRMED · 204.97');
    expect(await events()).to.deep.equal(['OrderCreated by order', 'InventoryReserved by inventory', 'PaymentCompleted by payment']);
    const hops = await page.locator('#timeline .hop').allTextContents();
    expect(hops[0]).to.equal('placed');
    for (const hop of hops.slice(1)) expect(hop).to.match(/^hop \d+ ms$/);
    await page.locator('#orders tr', { hasText: 'CONFIRMED' }).first().waitFor();
    if (SCREENSHOT) {
      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
  });

  it('a customer cancel of the confirmed order: refund and restock follow, ending CANCELLED (CUSTOMER_REQUEST)', async function () {
    await page.click('#cancel-order');
    await status('CANCELLED (CUSTOMER_REQUEST)');
    const seen = await events();
    expect(seen.slice(0, 3)).to.deep.equal(['OrderCreated by order', 'InventoryReserved by inventory', 'PaymentCompleted by payment']);
    expect(seen.slice(3).sort()).to.deep.equal(['InventoryReleased by inventory', 'OrderCancelled by order', 'PaymentRefunded by payment']);
    expect(await page.locator('#cancel-order').isHidden()).to.equal(true);
  });

  it('shows a rejected order with its reason', async function () {
    await place('alice', [['LAST-ONE', 5]]);
    await status('REJECTED (OUT_OF_STOCK)');
    expect(await events()).to.deep.equal(['OrderCreated by order', 'InventoryRejected by inventory']);
  });

  it('shows why an order cannot be placed, and places nothing', async function () {
    await place('alice', [['no such sku!', 1]]);
    await page.locator('#form-error', { hasText: 'VALIDATION_FAILED' }).waitFor();
    expect(await page.locator('#orders tr').count(), 'the two orders placed before').to.equal(2);
  });

  it('lists recent orders newest first, ten to a page, and follows the one clicked', async function () {
    const api = new Api(system);
    for (let i = 0; i < 10; i++) await api.placeOrder('alice', [{ sku: 'MOUSE-01', quantity: 1 }]);
    // The newest page refreshes itself.
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#orders tr').length === 10 && !(globalThis as any).document.querySelector('#older').disabled);
    await page.click('#older');
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#orders tr').length === 2);
    const oldest = page.locator('#orders tr').last();
    expect(await oldest.textContent()).to.include('CANCELLED');
    await oldest.click();
    await status('CANCELLED (CUSTOMER_REQUEST)');
    await page.click('#newest');
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#orders tr').length === 10);
  });

  it('signs out: the console forgets the token, and the next sign-in asks for the password again', async function () {
    await page.click('#sign-out');
    await page.waitForURL(`${system.identity.issuer}/session/end**`);
    await page.click('button[name=logout]');
    await page.waitForURL(system.url('order', '/console/'));
    await page.locator('#who-name', { hasText: 'not signed in' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('orders.console.token'))).to.equal(null);
    await page.click('#sign-in');
    await page.waitForURL(`${system.identity.issuer}/interaction/**`);
    await page.locator('#password').waitFor();
  });

  it('runs under its Content-Security-Policy: the browser refused nothing', function () {
    expect(cspViolations).to.deep.equal([]);
  });
});
