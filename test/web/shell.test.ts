/**
 * Browser: sign-in, the shell (user's org and level visible, menu by role), Chinese glyphs render (no tofu),
 * nothing overflows horizontally at 1366×768, the en-US switch.
 */
import assert from 'node:assert/strict';
import { startBrowserHarness, horizontalOverflow, type BrowserHarness } from './browser-harness.js';

/**
 * Runs in the page (a string: the test's TypeScript transform would add helpers the page does not have).
 * A glyph the fonts lack draws as the same box as any other missing glyph; two different CJK glyphs draw different
 * ink, and neither draws like a private-use code point (which no font here has).
 */
const GLYPH_PROBE = `(async () => {
  await document.fonts.ready;
  const canvas = document.createElement('canvas');
  canvas.width = 300;
  canvas.height = 60;
  const c = canvas.getContext('2d');
  c.font = '32px "Noto Sans CJK SC", sans-serif';
  const ink = (text) => {
    c.clearRect(0, 0, 300, 60);
    c.fillText(text, 0, 40);
    const data = c.getImageData(0, 0, 300, 60).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  };
  return {
    noto: document.fonts.check('16px "Noto Sans CJK SC"'),
    widths: { cjk: [ink('审'), ink('批')], missing: [ink('\\uE000'), ink('\\uE001')] },
  };
})()`;

describe('web: sign-in and shell (browser)', function () {
  this.timeout(60_000);
  let h: BrowserHarness;
  before(async () => {
    h = await startBrowserHarness(['zhongmou.treasury.clerk', 'henan.admin']);
  });
  after(async () => h?.close());

  it('a wrong password shows the server message in Chinese; the right one opens the shell with org and level', async () => {
    const context = await h.browser.newContext({
      baseURL: h.baseUrl,
      viewport: { width: 1366, height: 768 },
    });
    const page = await context.newPage();
    await page.goto('/inbox');
    await page.waitForURL(/\/login/);
    await h.screenshot(page, '00-login');
    await page.fill('[data-test=username]', 'zhongmou.treasury.clerk');
    await page.fill('[data-test=password]', 'wrong-password');
    await page.click('[data-test=login-submit]');
    assert.match(await page.textContent('[data-test=login-error]').then(String), /用户名或密码错误/);
    await page.fill('[data-test=password]', 'Fiscal@2026');
    await page.click('[data-test=login-submit]');
    await page.waitForURL(/\/inbox/);
    assert.equal(await page.textContent('[data-test=level]'), '县级');
    assert.match(String(await page.textContent('[data-test=org]')), /中牟县/);
    // a clerk sees no designer or administration in the menu
    assert.equal(await page.locator('[data-test=nav-designer]').count(), 0);
    assert.equal(await page.locator('[data-test=nav-system]').count(), 0);
    await context.close();
  });

  it('an administrator sees the designer and administration entries; the inbox loads no designer code', async () => {
    const scripts: string[] = [];
    const context = await h.browser.newContext({ baseURL: h.baseUrl });
    const page = await context.newPage();
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(r.url());
    });
    await page.goto('/login');
    await page.fill('[data-test=username]', 'henan.admin');
    await page.fill('[data-test=password]', 'Fiscal@2026');
    await page.click('[data-test=login-submit]');
    await page.waitForSelector('[data-test=task-table]');
    assert.ok(scripts.length > 0);
    assert.deepEqual(
      scripts.filter((u) => /designer|modeler|properties-panel|bpmnlint/i.test(u)),
      [],
      'the inbox must not load modeler code',
    );
    assert.equal(await page.textContent('[data-test=level]'), '省级');
    assert.equal(await page.locator('[data-test=nav-designer]').count(), 1);
    assert.equal(await page.locator('[data-test=nav-system]').count(), 1);
  });

  it('Chinese text renders with a CJK font (no tofu) and nothing overflows at 1366×768', async () => {
    const page = await h.loginAs('zhongmou.treasury.clerk');
    const fonts = (await page.evaluate(GLYPH_PROBE)) as {
      noto: boolean;
      widths: { cjk: number[]; missing: number[] };
    };
    assert.equal(fonts.noto, true, 'Noto Sans CJK SC is available to the browser');
    const { cjk, missing } = fonts.widths;
    assert.notEqual(cjk[0], cjk[1], 'two different CJK glyphs draw different ink (not the same box)');
    assert.ok(cjk[0]! > 0 && cjk[1]! > 0);
    assert.ok(
      cjk[0] !== missing[0] && cjk[1] !== missing[0],
      'CJK glyphs do not draw as the missing-glyph box',
    );
    assert.equal(await horizontalOverflow(page), 0);
  });
});
