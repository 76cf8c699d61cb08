/**
 * Headless Chromium for the browser tests, driven by playwright-core: the machine's
 * Chromium (Debian's package, which scripts/test.sh installs; CHROMIUM overrides the path),
 * started without anything that would reach the network.
 */
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Whether a console message of the page is the browser refusing something under the page's CSP. */
export const isCspViolation = (text: string) => /Content Security Policy/i.test(text);
