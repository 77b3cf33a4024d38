/**
 * Browser: dashboards. With payments started in 中牟县 and 巩义市, the province admin sees the counts, the charts
 * render, and the drill-down goes 河南省 → 郑州市 → 中牟县 with the county's numbers; the heat map colours the node
 * where work waits. A county reviewer sees only the county.
 */
import assert from 'node:assert/strict';
import { horizontalOverflow, startBrowserHarness, type BrowserHarness } from './browser-harness.js';
import { deployPayment, startPaymentApi } from './payment-fixture.js';

const ADMIN = 'henan.admin';
const COUNTY = 'zhongmou.treasury.reviewer';

describe('web: dashboards (browser)', function () {
  this.timeout(90_000);
  let h: BrowserHarness;
  before(async () => {
    h = await startBrowserHarness([ADMIN, COUNTY]);
    await deployPayment(h.t);
    await startPaymentApi(h.t, 1_200_000);
    await startPaymentApi(h.t, 9_000_000);
    await startPaymentApi(h.t, 300_000, 'gongyi.school1.clerk');
  });
  after(async () => h?.close());

  it('shows counts and charts, drills down province → city → county, and heats the waiting node', async () => {
    const page = await h.loginAs(ADMIN, { path: '/dashboard' });
    await page.waitForSelector('[data-test=stat-running]');
    assert.equal(await page.textContent('[data-test=scope-name]'), '河南省');
    assert.equal(await page.textContent('[data-test=stat-running]'), '3');
    for (const chart of ['state', 'org', 'process', 'level'])
      await page.waitForSelector(`[data-test=chart-${chart}] canvas`);
    await page.waitForSelector('[data-test=node-open-fill]');
    assert.equal(await page.textContent('[data-test=node-open-fill]'), '3');
    await page.waitForSelector('.djs-element.fbpm-heat-5[data-element-id=fill]', { state: 'attached' });
    await h.screenshot(page, 'dashboard');
    assert.equal(await horizontalOverflow(page), 0);

    await page.click('[data-test=drill-410100]');
    await page.locator('[data-test=scope-name]', { hasText: /^郑州市$/ }).waitFor();
    await page.click('[data-test=drill-410122]');
    await page.locator('[data-test=scope-name]', { hasText: /^中牟县$/ }).waitFor();
    await page.locator('[data-test=stat-running]', { hasText: /^2$/ }).waitFor();
    await page.locator('[data-test=node-open-fill]', { hasText: /^2$/ }).waitFor();
    // back up through the breadcrumb
    await page.click('[data-test=trail-410000]');
    await page.locator('[data-test=stat-running]', { hasText: /^3$/ }).waitFor();
  });

  it('shows a county reviewer only their county', async () => {
    const page = await h.loginAs(COUNTY, { path: '/dashboard' });
    await page.waitForSelector('[data-test=stat-running]');
    assert.equal(await page.textContent('[data-test=scope-name]'), '中牟县');
    assert.equal(await page.textContent('[data-test=stat-running]'), '2');
    assert.equal(await page.locator('[data-test=drill-up]').count(), 0);
  });
});
