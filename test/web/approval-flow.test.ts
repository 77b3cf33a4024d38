/**
 * Browser: the approval of a payment end to end, each step by a different signed-in user — a county clerk
 * starts it, the county reviewer approves (意见 required), the city returns it (退回) to the clerk, the clerk edits
 * and resubmits, the city and the deputy director approve, the manager sees it completed with the full timeline
 * and prints the 审批单. Then 转办 and 加签 through the UI, a 撤回 refused after the next step acted, and the
 * inbox updating live when another user acts. Screenshots of every page go to test/web/artifacts/.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startBrowserHarness, horizontalOverflow, type BrowserHarness } from './browser-harness.js';
import { waitFor } from '../helpers/engine-harness.js';
import {
  BUDGET,
  CHIEF,
  CITY,
  CLERK,
  DEPUTY,
  MANAGER,
  REVIEWER,
  deployPayment,
  startPaymentApi,
} from './payment-fixture.js';

/** The inbox row link of the task with this business key (waits until it is there). */
function rowFor(page: Page, businessKey: string) {
  return page.locator('[data-test=task-table] tr', { hasText: businessKey });
}

async function openTaskFromInbox(page: Page, businessKey: string): Promise<void> {
  if (!page.url().endsWith('/inbox')) await page.goto('/inbox');
  const row = rowFor(page, businessKey);
  await row.waitFor();
  if ((await row.locator('[data-test=claim]').count()) > 0) {
    await row.locator('[data-test=claim]').click();
    await page.locator('.el-message--success').first().waitFor();
  }
  await row.locator('[data-test=task-row]').click();
  await page.waitForURL(/\/task\//);
  await page.locator('[data-test=operations]').waitFor();
}

async function pickUser(page: Page, search: string, optionText: string): Promise<void> {
  const dialog = page.locator('.el-dialog');
  await dialog.locator('.el-select').first().click();
  await page.keyboard.type(search);
  await page.locator('.el-select-dropdown__item:visible', { hasText: optionText }).first().click();
  // a multiple select keeps its list open: close it by clicking the dialog's title
  await dialog.locator('.el-dialog__title').click();
}

async function noOverflow(page: Page, what: string): Promise<void> {
  assert.equal(await horizontalOverflow(page), 0, `${what} overflows horizontally at 1366×768`);
}

describe('web: approval flow in the browser', function () {
  this.timeout(120_000);
  let h: BrowserHarness;
  before(async () => {
    h = await startBrowserHarness([CLERK, REVIEWER, CHIEF, CITY, DEPUTY, MANAGER, BUDGET]);
    await deployPayment(h.t);
  });
  after(async () => h?.close());

  it('clerk starts, county approves, city returns, clerk resubmits, city and deputy approve, manager sees the timeline', async () => {
    // the county reviewer has the inbox open before anything exists: the task must arrive live
    const reviewer = await h.loginAs(REVIEWER);

    const clerk = await h.loginAs(CLERK, { path: '/start' });
    await clerk.locator('[data-test=start-webPayment]').click();
    await clerk.waitForURL(/\/start\/webPayment/);
    await clerk.locator('#field-title').fill('办公设备采购');
    await clerk.locator('#field-payee').fill('郑州某科技有限公司');
    await clerk.locator('#field-amountFen').fill('abc');
    await clerk.locator('[data-test=start-submit]').click();
    await clerk.getByText('金额格式不正确').first().waitFor();
    await clerk.locator('#field-amountFen').fill('60,000.00');
    const businessKey = await clerk.locator('[data-test=start-business-key]').inputValue();
    assert.match(businessKey, /^WEB-\d{8}-[0-9A-F]{6}$/);
    await h.screenshot(clerk, '10-start-form');
    await noOverflow(clerk, 'start form');
    await clerk.locator('[data-test=start-submit]').click();
    await clerk.waitForURL(/\/instances\/[^/]+$/);
    const instanceId = clerk.url().split('/').pop()!;
    const [stored] = await h.t.engine.listInstances({ instanceId });
    assert.equal(stored!.businessKey, businessKey);
    assert.equal((await h.t.engine.getInstance(instanceId)).variables.amountFen, 6_000_000);

    // live: the reviewer's open inbox shows the new task without a reload
    await rowFor(reviewer, businessKey).waitFor({ timeout: 10_000 });
    await h.screenshot(reviewer, '20-inbox-todo');
    await noOverflow(reviewer, 'inbox');
    await openTaskFromInbox(reviewer, businessKey);
    await reviewer.locator('[data-test=op-approve]').click();
    await reviewer.getByText('此节点必须填写审批意见').waitFor();
    await reviewer.locator('[data-test=comment]').fill('单据齐全，同意。');
    await h.screenshot(reviewer, '30-task-page');
    await noOverflow(reviewer, 'task page');
    await reviewer.getByRole('tab', { name: '剩余路径' }).click();
    await reviewer.locator('[data-test=path-step]', { hasText: '市级复核' }).waitFor();
    assert.match(
      String(await reviewer.locator('[data-test=remaining-path]').textContent()),
      /郑州市财政局国库/,
    );
    await h.screenshot(reviewer, '31-task-remaining-path');
    await reviewer.getByRole('tab', { name: '审批记录' }).click();
    await h.screenshot(reviewer, '32-task-timeline');
    await reviewer.locator('[data-test=op-approve]').click();
    await reviewer.waitForURL(/\/inbox/);

    // the city returns it to the clerk's step
    const city = await h.loginAs(CITY);
    await openTaskFromInbox(city, businessKey);
    await city.locator('[data-test=comment]').fill('金额与合同不符，请核对后重新提交');
    await city.locator('[data-test=op-return]').click();
    await city.locator('[data-test=return-target]').click();
    await city.locator('.el-select-dropdown__item:visible', { hasText: '经办人填报' }).click();
    await h.screenshot(city, '40-return-dialog');
    await city.locator('[data-test=dialog-confirm]').click();
    await city.waitForURL(/\/inbox/);

    // the clerk edits the amount and resubmits
    await openTaskFromInbox(clerk, businessKey);
    await clerk.locator('#field-amountFen').fill('58000');
    await clerk.locator('[data-test=op-approve]').click();
    await clerk.waitForURL(/\/inbox/);
    assert.equal((await h.t.engine.getInstance(instanceId)).variables.amountFen, 5_800_000);

    // straight back to the city (resubmit strategy direct), then the deputy director
    await openTaskFromInbox(city, businessKey);
    await city.locator('[data-test=comment]').fill('已核对，同意');
    await city.locator('[data-test=op-approve]').click();
    await city.waitForURL(/\/inbox/);
    const deputy = await h.loginAs(DEPUTY);
    await openTaskFromInbox(deputy, businessKey);
    await deputy.locator('[data-test=comment]').fill('同意支付');
    await deputy.locator('[data-test=op-approve]').click();
    await deputy.waitForURL(/\/inbox/);
    await waitFor(
      async () => (await h.t.engine.getInstance(instanceId)).status === 'completed' || undefined,
      'completed',
    );

    // the manager finds it by 单号 and sees it completed with the whole record
    const manager = await h.loginAs(MANAGER, { path: '/instances' });
    await manager.locator('[data-test=filter-status]').click();
    await manager.locator('.el-select-dropdown__item:visible', { hasText: '已完成' }).click();
    await manager.locator('#i-bk').fill(businessKey);
    await manager.locator('[data-test=instances-search]').click();
    await manager.locator('[data-test=instance-row]').first().waitFor();
    assert.equal(await manager.locator('[data-test=instance-row]').count(), 1);
    await h.screenshot(manager, '50-instance-list');
    await noOverflow(manager, 'instance list');
    await manager.locator('[data-test=instance-row]').click();
    await manager.locator('[data-test=instance-status]', { hasText: '已完成' }).waitFor();
    await manager.locator('[data-test=timeline-entry]').first().waitFor();
    const record = String(await manager.locator('[data-test=timeline]').textContent());
    for (const expected of ['单据齐全，同意。', '金额与合同不符', '已核对，同意', '同意支付', '退回'])
      assert.ok(record.includes(expected), `timeline shows ${expected}: ${record}`);
    assert.ok((await manager.locator('.fbpm-done').count()) > 3, 'completed nodes are highlighted');
    await h.screenshot(manager, '51-instance-page');
    await noOverflow(manager, 'instance page');
    await manager.locator('[data-test=print-link]').click();
    await manager.locator('[data-test=print-sheet] h1').waitFor();
    assert.match(String(await manager.locator('[data-test=print-sheet]').textContent()), /¥58,000\.00 元/);
    await h.screenshot(manager, '52-print-sheet');
  });

  it('转办 and 加签 through the UI', async () => {
    const id = await startPaymentApi(h.t, 120_000);
    const fill = await waitFor(
      async () => (await h.t.engine.listTasks({ instanceId: id, elementId: 'fill' }))[0],
      'fill',
    );
    await h.t.engine.completeTask(fill.id, { actor: CLERK });
    const [inst] = await h.t.engine.listInstances({ instanceId: id });
    const bk = inst!.businessKey!;

    const reviewer = await h.loginAs(REVIEWER);
    await openTaskFromInbox(reviewer, bk);
    await reviewer.locator('[data-test=op-transfer]').click();
    await pickUser(reviewer, 'treasury.chief', 'zhongmou.treasury.chief');
    await reviewer.locator('[data-test=dialog-confirm]').click();
    await reviewer.waitForURL(/\/inbox/);
    const review = await waitFor(
      async () =>
        (await h.t.engine.listTasks({ instanceId: id, elementId: 'countyReview' })).find(
          (t) => t.assignee === CHIEF,
        ),
      'transferred to the chief',
    );

    const chief = await h.loginAs(CHIEF);
    await openTaskFromInbox(chief, bk);
    await chief.locator('[data-test=op-addSigners]').click();
    await pickUser(chief, 'budget.reviewer', 'zhongmou.budget.reviewer');
    await chief.locator('[data-test=signer-mode]').getByText('并行会签').click();
    await h.screenshot(chief, '60-add-signers-dialog');
    await chief.locator('[data-test=dialog-confirm]').click();
    await chief.locator('.el-message--success').first().waitFor();
    const signer = await waitFor(
      async () =>
        (await h.t.engine.listTasks({ instanceId: id, state: 'created' })).find((t) => t.assignee === BUDGET),
      'the added signer’s task',
    );
    assert.equal(signer.signerOf, review.id);
    assert.equal(signer.signerMode, 'parallel');
  });

  it('撤回 is refused with a clear message once the next step has acted', async () => {
    const id = await startPaymentApi(h.t, 120_000);
    const fill = await waitFor(
      async () => (await h.t.engine.listTasks({ instanceId: id, elementId: 'fill' }))[0],
      'fill',
    );
    await h.t.engine.completeTask(fill.id, { actor: CLERK });
    const review = await waitFor(
      async () => (await h.t.engine.listTasks({ instanceId: id, elementId: 'countyReview' }))[0],
      'county review',
    );
    await h.t.engine.claimTask(review.id, { actor: REVIEWER });
    await h.t.engine.completeTask(review.id, { actor: REVIEWER, comment: '同意' });

    const clerk = await h.loginAs(CLERK, { path: `/task/${fill.id}` });
    await clerk.locator('[data-test=op-withdraw]').click();
    await clerk.locator('.el-message--error', { hasText: '下一步已经办理，不能再撤回' }).waitFor();
    await h.screenshot(clerk, '70-withdraw-refused');
    assert.equal((await h.t.engine.getTask(fill.id)).state, 'completed');
  });

  it('the inbox updates live: a new task appears, and disappears when a colleague claims it', async () => {
    const reviewer = await h.loginAs(REVIEWER);
    const chief = await h.loginAs(CHIEF);
    const id = await startPaymentApi(h.t, 99_000);
    const fill = await waitFor(
      async () => (await h.t.engine.listTasks({ instanceId: id, elementId: 'fill' }))[0],
      'fill',
    );
    await h.t.engine.completeTask(fill.id, { actor: CLERK });
    const bk = (await h.t.engine.listInstances({ instanceId: id }))[0]!.businessKey!;
    await rowFor(reviewer, bk).waitFor({ timeout: 10_000 });
    await rowFor(chief, bk).waitFor({ timeout: 10_000 });
    await rowFor(chief, bk).locator('[data-test=claim]').click();
    await rowFor(reviewer, bk).waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await rowFor(chief, bk).count(), 1);
  });

  it('screenshots of the other inbox tabs, and the inbox in en-US', async () => {
    const clerk = await h.loginAs(CLERK);
    for (const tab of ['done', 'mine', 'cc'] as const) {
      await clerk.locator(`[data-test=tab-${tab}]`).click();
      await clerk.waitForTimeout(300);
      await h.screenshot(clerk, `21-inbox-${tab}`);
      await noOverflow(clerk, `inbox ${tab}`);
    }
    assert.ok(Number(await clerk.locator('[data-test=count-mine] sup').textContent()) >= 3);
    const en = await h.loginAs(REVIEWER, { locale: 'en-US' });
    await en.locator('[data-test=tab-todo]', { hasText: 'To do' }).waitFor();
    assert.equal(await en.textContent('[data-test=level]'), 'County');
    await h.screenshot(en, '22-inbox-en-US');
    await noOverflow(en, 'inbox en-US');
  });
});
