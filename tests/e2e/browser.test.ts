import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { isCspViolation, launchBrowser } from '../support/browser.js';
import { LocalSystem, SERVICES } from '../support/system.js';

describe('in a real browser (headless Chromium, three services on real Kafka and PostgreSQL)', function () {
  this.timeout(120000);
  let system: LocalSystem;
  let browser: Browser;

  before(async function () {
    system = await LocalSystem.start();
    browser = await launchBrowser();
  });
  after(async function () {
    await browser?.close();
    await system?.stop();
  });

  it('each service shows its API at /docs (Swagger UI from its own OpenAPI document, nothing loaded from elsewhere, nothing refused by its CSP)', async function () {
    const expected = { order: '/orders/{id}/cancel', payment: '/accounts/{customerId}/deposits', inventory: '/products/{sku}/restock' };
    for (const service of SERVICES) {
      const page = await browser.newPage();
      const foreign: string[] = [];
      const errors: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(system.url(service))) foreign.push(request.url());
      });
      page.on('console', (message) => {
        if (isCspViolation(message.text())) errors.push(message.text());
      });
      await page.goto(system.url(service, '/docs'));
      await page.locator('.opblock-summary-path', { hasText: expected[service] }).first().waitFor();
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      expect(paths.length, service).to.be.greaterThan(2);
      expect(foreign, service).to.deep.equal([]);
      expect(errors, `${service}: nothing refused by its Content-Security-Policy`).to.deep.equal([]);
      await page.close();
    }
  });

  it('a page that breaks the Content-Security-Policy is caught: an inline script is refused', async function () {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (isCspViolation(message.text())) violations.push(message.text());
    });
    await page.goto(system.url('order', '/docs'));
    // What an injected inline script would meet: the page's CSP refuses it, and the message is seen.
    await page.evaluate(() => {
      const script = (globalThis as any).document.createElement('script');
      script.textContent = 'window.injected = true';
      (globalThis as any).document.body.append(script);
    });
    expect(await page.evaluate(() => (globalThis as { injected?: boolean }).injected)).to.equal(undefined);
    expect(violations.join('\n')).to.match(/Content Security Policy/);
    await page.close();
  });
});
