import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
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

  it('each service shows its API at /docs (Swagger UI from its own OpenAPI document, nothing loaded from elsewhere)', async function () {
    const expected = { order: '/orders/{id}/cancel', payment: '/accounts/{customerId}/deposits', inventory: '/products/{sku}/restock' };
    for (const service of SERVICES) {
      const page = await browser.newPage();
      const foreign: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(system.url(service))) foreign.push(request.url());
      });
      await page.goto(system.url(service, '/docs'));
      await page.locator('.opblock-summary-path', { hasText: expected[service] }).first().waitFor();
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      expect(paths.length, service).to.be.greaterThan(2);
      expect(foreign, service).to.deep.equal([]);
      await page.close();
    }
  });
});
