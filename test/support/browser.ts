// Real Chromium for browser tests, driven by playwright-core (never downloaded: the system's
// /usr/bin/chromium or CHROMIUM_PATH). Without a Chromium the browser tests are skipped, loudly;
// in CI a missing Chromium is a failure.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { rootDir } from '../../src/paths.js';
import { inCI } from './env.js';
import { PASSWORD } from './factories.js';

export const screenshotDir = path.join(rootDir, 'artifacts', 'screenshots');

/** chromiumPath finds the system Chromium, or null. */
export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((p): p is string => Boolean(p && fs.existsSync(p))) ?? null;
}

let warned = false;

/**
 * describeBrowser declares a suite that gets a fresh browser; `use()` returns it. The suite is
 * skipped with a warning when no Chromium is installed (and fails in CI).
 */
export function describeBrowser(title: string, body: (use: () => Browser) => void): void {
  describe(`${title} (browser)`, function () {
    this.timeout(120_000);
    let browser: Browser | null = null;
    before(async function () {
      const executablePath = chromiumPath();
      if (!executablePath) {
        if (inCI) throw new Error('No Chromium found: install Debian\'s chromium (apt-get install -y chromium) or set CHROMIUM_PATH');
        if (!warned) {
          warned = true;
          console.warn('\n\x1b[33m!!! BROWSER TESTS SKIPPED: no Chromium at /usr/bin/chromium (install Debian\'s chromium or set CHROMIUM_PATH) !!!\x1b[0m\n');
        }
        this.skip();
      }
      // playwright gives every launch a fresh, temporary --user-data-dir of its own.
      browser = await chromium.launch({
        executablePath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
      });
    });
    after(async () => {
      await browser?.close();
    });
    body(() => browser!);
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and page errors (a CSP violation shows up here), not expected 4xx answers. */
  problems: string[];
}

/** openPage opens a page in a new context (its own cookies) and records its errors. */
export async function openPage(browser: Browser, options: { viewport?: { width: number; height: number }; baseURL: string }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, baseURL: options.baseURL });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    // A form answered 422 or a 404 page is logged by Chromium too: those are expected answers.
    if (msg.type() === 'error' && !/the server responded with a status of 4\d\d/.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  return { page, context, problems };
}

/** screenshot saves a full-page PNG under artifacts/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** signInBrowser signs a user in through the real sign-in page and waits for the inbox. */
export async function signInBrowser(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/inbox');
}
