/**
 * Browser: administration. The admin creates a user at the county finance bureau with a role, finds them, and
 * disables them (confirmed); the org tree and the role list show; the queue dashboard is linked.
 */
import assert from 'node:assert/strict';
import { horizontalOverflow, startBrowserHarness, type BrowserHarness } from './browser-harness.js';

const ADMIN = 'henan.admin';
const NEW_USER = 'zhongmou.finance.clerk9';

describe('web: administration (browser)', function () {
  this.timeout(90_000);
  let h: BrowserHarness;
  before(async () => {
    h = await startBrowserHarness([ADMIN]);
  });
  after(async () => h?.close());

  it('creates and disables a user', async () => {
    const page = await h.loginAs(ADMIN, { path: '/system' });
    await page.waitForSelector('[data-test=user-table] .el-table__row');
    assert.equal(await page.getAttribute('[data-test=queue-link]', 'href'), '/admin/queues');
    await h.screenshot(page, 'system');
    assert.equal(await horizontalOverflow(page), 0);

    await page.click('[data-test=user-create]');
    await page.fill('[data-test=new-user-id]', NEW_USER);
    await page.fill('[data-test=new-user-name]', '测试经办人');
    await page.click('[data-test=new-user-org]');
    await page.keyboard.type('中牟');
    await page.click('.el-select-dropdown__item:has-text("410122-CZ）")');
    await page.click('[data-test=new-user-roles]');
    await page.click('.el-select-dropdown__item:has-text("经办人")');
    await page.keyboard.press('Escape');
    await page.click('[data-test=new-user-submit]');
    const status = page.locator(`[data-test="user-status-${NEW_USER}"]`);
    await status.waitFor();
    assert.equal((await status.textContent())?.trim(), '正常');
    const created = await h.t.services.knex('users').where({ id: NEW_USER }).first();
    assert.equal(created.org_code, '410122-CZ');
    const grants = await h.t.services.knex('user_roles').where({ user_id: NEW_USER });
    assert.deepEqual(
      grants.map((g: { role: string; org_code: string }) => [g.role, g.org_code]),
      [['clerk', '410122-CZ']],
    );

    await page.click(`[data-test="user-disable-${NEW_USER}"]`);
    await page.click('.el-message-box__btns .el-button--primary');
    await page.locator(`[data-test="user-status-${NEW_USER}"]`, { hasText: '已停用' }).waitFor();
    const disabled = await h.t.services.knex('users').where({ id: NEW_USER }).first();
    assert.equal(Boolean(disabled.disabled), true);
  });

  it('browses the org tree and the roles', async () => {
    const page = await h.loginAs(ADMIN, { path: '/system' });
    await page.click('.el-tabs__item:has-text("机构")');
    await page.waitForSelector('[data-test=org-tree] .el-tree-node__label:has-text("河南省")');
    await page.click('.el-tabs__item:has-text("角色")');
    await page.waitForSelector('[data-test=role-table] td:has-text("流程设计人员")');
    await page.click('.el-tabs__item:has-text("异常")');
    await page.waitForSelector('[data-test=incident-table]');
  });
});
