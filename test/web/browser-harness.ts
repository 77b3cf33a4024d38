/**
 * Browser test harness: builds the web UI once per test run, starts the app in-process on a free port (the real
 * test server: database, queue, engine workers, demo directory) and drives Debian's chromium headless through
 * playwright-core. Each user gets their own browser context (own cookies), so several users act side by side.
 * Screenshots go to test/web/artifacts/ (git-ignored).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildUi } from '../../server/web/build-ui.js';
import { createTestServer, type TestServer, type TestServerOptions } from '../helpers/server-harness.js';
import { CredentialStore } from '../../server/auth/credentials.js';
import { hashPassword } from '../../server/auth/passwords.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
export const DEMO_PASSWORD = 'Fiscal@2026';
export const VIEWPORT = { width: 1366, height: 768 } as const;

let built: Promise<void> | undefined;

/** Builds web/dist once per process (so the tests always run the current sources). */
export function buildUiOnce(): Promise<void> {
  built ??= buildUi();
  return built;
}

export interface BrowserHarness {
  readonly t: TestServer;
  readonly baseUrl: string;
  readonly browser: Browser;
  /** A signed-in page for the user in a fresh context (own cookies), at `path` (default /inbox). */
  loginAs(userId: string, options?: { locale?: 'zh-CN' | 'en-US'; path?: string }): Promise<Page>;
  /** Saves a full-page screenshot to test/web/artifacts/<name>.png. */
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the harness; `users` get the demo password (one hash shared by all of them: hashing every demo user
 * would cost seconds).
 */
export async function startBrowserHarness(
  users: readonly string[],
  options: TestServerOptions = {},
): Promise<BrowserHarness> {
  await buildUiOnce();
  mkdirSync(ARTIFACTS, { recursive: true });
  const t = await createTestServer('sqlite', options);
  const hash = await hashPassword(DEMO_PASSWORD);
  const credentials = new CredentialStore(t.services.knex);
  for (const id of users) await credentials.setHash(id, hash, t.services.now());
  const server: Server = createServer(t.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--font-render-hinting=none'],
  });
  const contexts: BrowserContext[] = [];
  return {
    t,
    baseUrl,
    browser,
    async loginAs(userId, opts = {}) {
      const context = await browser.newContext({
        viewport: VIEWPORT,
        baseURL: baseUrl,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
      });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (err) => console.error(`[browser ${userId}] ${err.message}`));
      if (opts.locale) await page.addInitScript((l) => localStorage.setItem('fbpm.locale', l), opts.locale);
      await page.goto('/login');
      await page.fill('[data-test=username]', userId);
      await page.fill('[data-test=password]', DEMO_PASSWORD);
      await page.click('[data-test=login-submit]');
      await page.waitForSelector('[data-test=who]');
      if (opts.path && opts.path !== '/inbox') await page.goto(opts.path);
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await t.close();
    },
  };
}

/** Pixels by which the document is wider than the viewport (0 = nothing overflows horizontally). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
