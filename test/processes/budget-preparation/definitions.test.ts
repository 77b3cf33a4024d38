/**
 * The budget preparation diagrams and forms as files: every .bpmn loads and validates, every user task names a
 * form that exists and passes formDefinitionSchema, and the editable fields of each step exist in its form. Plus
 * the pure rules of the checks (二上 draft, 一下 split) with their Chinese messages.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../../engine/index.js';
import { formDefinitionSchema } from '../../../processes/forms/form-schema.js';
import { draftProblems, readLines } from '../../../processes/budget-preparation/budget-lines.js';
import { splitProblems } from '../../../processes/budget-preparation/control-numbers.js';
import { formatFen } from '../../../processes/budget-preparation/yuan.js';

const folder = join(dirname(fileURLToPath(import.meta.url)), '../../../processes/budget-preparation');
const bpmnFiles = readdirSync(folder).filter((f) => f.endsWith('.bpmn'));
const formFiles = readdirSync(join(folder, 'forms')).filter((f) => f.endsWith('.form.json'));

describe('budget-preparation/definitions', function () {
  it('should have the annual cycle, its call activities, the schedule and the project library', function () {
    assert.deepEqual(bpmnFiles.sort(), [
      'budgetCycleSchedule.bpmn',
      'budgetDepartmentReply.bpmn',
      'budgetFinanceReview.bpmn',
      'budgetFirstRound.bpmn',
      'budgetPreparation.bpmn',
      'budgetSecondRound.bpmn',
      'budgetUnitSubmission.bpmn',
      'projectLibrary.bpmn',
    ]);
  });

  const forms = new Map<string, Set<string>>();
  for (const file of formFiles) {
    it(`form ${file} should pass formDefinitionSchema and be named by its key`, function () {
      const parsed = formDefinitionSchema.safeParse(
        JSON.parse(readFileSync(join(folder, 'forms', file), 'utf8')),
      );
      assert.ok(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues));
      assert.equal(`${parsed.data.key}.form.json`, file);
      forms.set(parsed.data.key, new Set(parsed.data.fields.map((f) => f.name)));
    });
  }

  for (const file of bpmnFiles) {
    it(`${file} should validate, with a Chinese name and an existing form on every user task`, async function () {
      const result = await loadModel(readFileSync(join(folder, file), 'utf8'));
      assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.problems));
      for (const process of Object.values(result.model.processes)) {
        for (const element of Object.values(process.elements)) {
          if (element.kind !== 'userTask') continue;
          assert.match(element.name ?? '', /[\u4e00-\u9fff]/, `${element.id} has a Chinese name`);
          const formKey = element.assignment?.formKey;
          assert.ok(formKey && forms.has(formKey), `${element.id} names form ${formKey}`);
          for (const field of element.approval?.fields.editable ?? []) {
            assert.ok(forms.get(formKey)!.has(field), `${element.id}: editable ${field} is in ${formKey}`);
          }
          for (const field of element.approval?.fields.readOnly ?? []) {
            assert.ok(forms.get(formKey)!.has(field), `${element.id}: read-only ${field} is in ${formKey}`);
          }
        }
      }
    });
  }
});

describe('budget-preparation/checks', function () {
  const line = (over: Record<string, unknown>) => ({
    category: 'project',
    projectName: '教学设备购置',
    functionalClass: '2050203',
    economicClass: '31002',
    amountFen: 100_00,
    performanceGoal: '购置设备 50 台，使用率 ≥ 90%',
    ...over,
  });

  it('should format 分 as 元 without floating point', function () {
    assert.equal(formatFen(123_456_789), '¥1,234,567.89');
    assert.equal(formatFen(5), '¥0.05');
  });

  it('should name every unreadable line of a submission by its row', function () {
    const { lines, problems } = readLines([line({}), line({ amountFen: 1.5, economicClass: '' })]);
    assert.equal(lines.length, 1);
    assert.deepEqual(problems, [
      '第 2 行「教学设备购置」：缺少支出经济分类科目',
      '第 2 行「教学设备购置」：金额须为非负整数（分）',
    ]);
    assert.deepEqual(readLines([]).problems, ['预算明细为空：请至少填写一行']);
  });

  it('should name the amount over the control number and each project without 绩效目标', function () {
    const { lines } = readLines([
      line({ amountFen: 600_000_00 }),
      line({ projectName: '校舍维修', amountFen: 100_000_00, performanceGoal: ' ' }),
      line({ category: 'basic', projectName: '人员经费', performanceGoal: '' }),
    ]);
    assert.deepEqual(draftProblems(lines, 650_000_00, '县一中'), [
      '县一中预算草案合计 ¥700,100.00 超过控制数 ¥650,000.00，超出 ¥50,100.00',
      '第 2 行项目支出「校舍维修」缺少绩效目标（产出、效益、满意度指标）',
    ]);
    assert.deepEqual(draftProblems(lines.slice(0, 1), 650_000_00, '县一中'), []);
  });

  it('should refuse a split over the department number, naming the units and by how much', function () {
    const units = [
      { code: '410122-BM-JY-001', name: '县一中' },
      { code: '410122-BM-JY-002', name: '县二中' },
    ];
    const problems = splitProblems({
      department: { code: '410122-BM-JY', name: '教育局' },
      departmentFen: 900_00,
      rows: [
        { orgCode: '410122-BM-JY-001', amountFen: 700_00 },
        { orgCode: '410122-BM-JY-002', amountFen: 300_00 },
      ],
      units,
      proposals: new Map([
        ['410122-BM-JY-001', 650_00],
        ['410122-BM-JY-002', 300_00],
      ]),
    });
    assert.deepEqual(problems, [
      '分解合计 ¥1,000.00 超过教育局控制数 ¥900.00，超出 ¥100.00（县一中 ¥700.00、县二中 ¥300.00）',
      '县一中（410122-BM-JY-001）分解数 ¥700.00 超过其一上建议数 ¥650.00，超出 ¥50.00',
    ]);
    assert.deepEqual(
      splitProblems({
        department: { code: '410122-BM-JY', name: '教育局' },
        departmentFen: 900_00,
        rows: [{ orgCode: '410122-BM-JY-001', amountFen: 100_00 }],
        units,
      }),
      ['缺少县二中（410122-BM-JY-002）的控制数'],
    );
  });
});
