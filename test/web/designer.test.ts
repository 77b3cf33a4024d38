/**
 * Browser: the designer. A designer opens the modeler (in Chinese), imports a diagram whose gateway has a flow
 * without condition, sees the server's lint error on the canvas and in the problems list, sets 审批设置 on a user
 * task, fixes the condition from the problems list, deploys with a summary of what changed against v1, and the
 * new version appears. The deployed XML carries the fiscal attributes set in the panel.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeFileSync } from 'node:fs';
import { layoutProcess } from 'bpmn-auto-layout';
import type { Locator } from 'playwright-core';
import {
  ARTIFACTS,
  horizontalOverflow,
  startBrowserHarness,
  type BrowserHarness,
} from './browser-harness.js';

const KEY = 'webDesignerDemo';
const ADMIN = 'henan.admin';

function diagram(noCondition: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
  <bpmn:process id="${KEY}" name="设计器演示" isExecutable="true">
    <bpmn:startEvent id="start" name="发起"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill" />
    <bpmn:userTask id="fill" name="经办人填报" fiscal:assignee="=initiator"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" name="金额"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>fLarge</bpmn:outgoing><bpmn:outgoing>fSmall</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="fLarge" sourceRef="gw" targetRef="approve">
      <bpmn:conditionExpression>=amountFen &gt;= 5000000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fSmall" sourceRef="gw" targetRef="end">${noCondition}</bpmn:sequenceFlow>
    <bpmn:userTask id="approve" name="国库股审核" fiscal:candidateRoles="chief" fiscal:orgScope="financeBureau"><bpmn:incoming>fLarge</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end" />
    <bpmn:endEvent id="end" name="完成"><bpmn:incoming>fSmall</bpmn:incoming><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>`;
}

describe('web: designer (browser)', function () {
  this.timeout(120_000);
  let h: BrowserHarness;
  let file: string;
  before(async () => {
    h = await startBrowserHarness([ADMIN]);
    // v1 is deployed; the designer's draft drops the small-amount condition
    await h.t.engine.deploy(
      await layoutProcess(
        diagram('<bpmn:conditionExpression>=amountFen &lt; 5000000</bpmn:conditionExpression>'),
      ),
      {
        deployedBy: ADMIN,
      },
    );
    file = join(tmpdir(), `designer-${process.pid}.bpmn`);
    writeFileSync(file, await layoutProcess(diagram('')));
  });
  after(async () => h?.close());

  it('imports, shows the lint error, sets 审批设置, fixes the condition and deploys a new version', async () => {
    const page = await h.loginAs(ADMIN, { path: '/designer' });
    await page.waitForSelector('[data-test=modeler-canvas] .djs-container');
    // Chinese palette and the bpmn.io watermark
    assert.match(
      String(await page.getAttribute('.djs-palette [data-action="create.exclusive-gateway"]', 'aria-label')),
      /网关/,
    );
    assert.equal(await page.locator('.bjs-powered-by').isVisible(), true);

    await page.setInputFiles('[data-test=import-file]', file);
    const problem = page.locator('[data-test=problem-row][data-element-id=fSmall]');
    await problem.waitFor();
    assert.equal(await problem.getAttribute('data-rule'), 'conditional-flows');
    assert.match(String(await problem.textContent()), /缺少流转条件/);
    await page.waitForSelector('.djs-element.fbpm-problem[data-element-id=fSmall]', { state: 'attached' });
    assert.match(String(await page.textContent('[data-test=deployed-versions]')), /v1/);

    // 审批设置 on the approval task
    await page.click('.djs-element[data-element-id=approve]');
    const group = page.locator('.bio-properties-panel-group-header', { hasText: '审批设置' });
    await group.waitFor();
    await page.fill('#bio-properties-panel-fiscal-formKey', 'paymentForm');
    await setChecked(page.locator('#bio-properties-panel-fiscal-candidateRoles-reviewer'), true);
    await page.selectOption('#bio-properties-panel-fiscal-divisionType', 'treasury');
    await page.fill('#bio-properties-panel-fiscal-dueIn', '3');
    await setChecked(page.locator('#bio-properties-panel-fiscal-commentRequired'), true);
    await setChecked(page.locator('#bio-properties-panel-fiscal-allowedOperations-withdraw'), false);
    await h.screenshot(page, 'designer');
    assert.equal(await horizontalOverflow(page), 0);

    // fix the condition: the problem selects the flow, the panel edits its condition
    await problem.click();
    await page.fill('#bio-properties-panel-fiscal-condition', '=amountFen < 5000000');
    await page.waitForSelector('[data-test=problems-empty]');
    assert.equal(await page.locator('.djs-element.fbpm-problem').count(), 0);

    await page.click('[data-test=deploy]');
    const summary = page.locator('[data-test=deploy-summary]');
    await summary.waitFor();
    assert.match(String(await summary.textContent()), /v1.*v2/);
    assert.match(String(await page.textContent('[data-test=deploy-changed]')), /国库股审核/);
    await h.screenshot(page, 'designer-deploy');
    await page.click('[data-test=deploy-confirm]');
    await page.waitForSelector('[data-test=deployed-version-2]');

    const versions = await h.t.engine.listDefinitions(KEY);
    assert.deepEqual(versions.map((v) => v.version).sort(), [1, 2]);
    const xml = await h.t.engine.getDefinitionXml(versions.find((v) => v.version === 2)!.id);
    assert.match(xml, /fiscal:formKey="paymentForm"/);
    assert.match(xml, /fiscal:candidateRoles="reviewer,chief"/);
    assert.match(xml, /fiscal:divisionType="treasury"/);
    assert.match(xml, /fiscal:dueIn="P3D"/);
    assert.match(xml, /fiscal:commentRequired="true"/);
    assert.match(
      xml,
      /fiscal:allowedOperations="approve,reject,return,transfer,delegate,addSigners,removeSigners,cc,urge"/,
    );
    assert.ok(ARTIFACTS);
  });

  it('opens a deployed version from the list', async () => {
    const page = await h.loginAs(ADMIN, { path: '/designer' });
    await page.waitForSelector('[data-test=modeler-canvas] .djs-container');
    await page.click('[data-test=version-select]');
    await page.click(`[data-test=version-option-${KEY}-1]`);
    await page.waitForSelector('.djs-element[data-element-id=approve]');
    assert.match(String(await page.textContent('[data-test=deployed-versions]')), new RegExp(KEY));
    await page.click('.djs-element[data-element-id=approve]');
    assert.equal(await page.inputValue('#bio-properties-panel-fiscal-formKey'), '', 'v1 has no form key');
  });
});

/**
 * Sets a properties-panel checkbox. The panel re-renders after every change (and after the debounced live
 * validation), which can swallow a click; so click until the box shows the wanted state, then check it stays.
 */
async function setChecked(box: Locator, checked: boolean): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await box.isChecked()) === checked) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      if ((await box.isChecked()) === checked) return;
    }
    await box.click();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`checkbox did not become ${checked ? 'checked' : 'unchecked'}`);
}
