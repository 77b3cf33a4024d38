/**
 * Service-task handlers of budget preparation (预算编制 "二上二下") and the project library (项目库), keyed by
 * `fiscal:taskType` (`budget.*`). Each reads the instance variables it needs, works on the budget tables through
 * the modules next to it, and returns the variables the diagram routes on. A business outcome (a check that
 * fails, a duplicate cycle) is a variable the next gateway reads, with a Chinese sentence naming what is wrong;
 * only unexpected failures throw (retry, then incident).
 *
 * Side effects are idempotent: every row written carries the job id as its effect key (a loop that runs an
 * element again gets a new job and so a new revision; a redelivered job finds its rows and writes nothing).
 */
import type { ServiceHandler, ServiceJobContext } from '../../engine/index.js';
import type { HandlerDeps } from '../handlers.js';
import { OrgDirectory } from '../org/org-directory.js';
import type { Org } from '../org/org.js';
import { draftProblems, readLines, totalFen } from './budget-lines.js';
import {
  coverageProblems,
  currentControlNumber,
  readControlRows,
  splitProblems,
  storeControlNumbers,
} from './control-numbers.js';
import { beijingMidnightBefore, claimDueCycles, openCycle, setCycleStatus } from './cycle.js';
import { registerProject, setProjectStatus, type ProjectStatus } from './project-library.js';
import { budgetSettings, reviewRoute } from './settings.js';
import { latestTotals, recordSubmission } from './submissions.js';

/** What each overdue boundary escalates, by the element that records it. */
const ESCALATIONS: Readonly<Record<string, { kind: string; what: string; orgVariable: string }>> = {
  A13_recordOverdue: {
    kind: 'npcSubmission',
    what: '预算草案报送人大初步审查',
    orgVariable: 'financeBureauCode',
  },
  A15_recordOverdue: { kind: 'financeReply', what: '财政批复部门预算', orgVariable: 'departmentCode' },
  A16_recordOverdue: { kind: 'departmentReply', what: '部门批复单位预算', orgVariable: 'departmentCode' },
};

export function budgetPreparationHandlers(deps: HandlerDeps): Record<string, ServiceHandler> {
  const { knex } = deps;
  const directory = new OrgDirectory(knex);
  const now = () => new Date(deps.now());

  const str = (job: ServiceJobContext, name: string): string => {
    const value = job.variables[name];
    if (typeof value !== 'string' || value.length === 0)
      throw new Error(`${job.elementId} (${job.taskType}) needs the variable ${name}`);
    return value;
  };
  const orgName = async (code: string) => {
    const org = await directory.getOrg(code);
    return org?.shortName || org?.name || code;
  };
  const unitsOf = async (departmentCode: string): Promise<Org[]> =>
    (await directory.children(departmentCode, now())).filter((o) => o.kind === 'budget_unit');

  /** A1 (timer path): the schedule rows due today, claimed for this scheduler instance. */
  const claimDue: ServiceHandler = async (job) => {
    const dueCycles = await claimDueCycles(knex, job.instanceId, now());
    return { dueCycles, dueCount: dueCycles.length };
  };

  /** A1: checks and records the cycle; the departments, the finance parent and the configured deadlines. */
  const openCycleHandler: ServiceHandler = async (job) => {
    const v = job.variables;
    const opened = await openCycle(
      knex,
      directory,
      job.instanceId,
      {
        fiscalYear: v.fiscalYear,
        financeBureauCode: v.financeBureauCode,
        departmentCodes: v.departmentCodes,
        npcSessionDate: v.npcSessionDate,
      },
      now(),
    );
    if (!opened.ok) return { cycleOk: false, cycleProblem: opened.problem };
    const { settings } = opened;
    return {
      cycleOk: true,
      cycleProblem: null,
      cycleId: job.instanceId,
      fiscalYear: opened.fiscalYear,
      financeBureauCode: opened.bureau.code,
      departments: opened.departments.map((d) => d.code),
      financeParentCode: opened.financeParentCode,
      npcSessionDate: opened.npcSessionDate,
      npcSubmitDeadline: beijingMidnightBefore(opened.npcSessionDate, settings.npcLeadDays),
      financeReplyDuration: `P${settings.financeReplyDays}D`,
      departmentReplyDuration: `P${settings.departmentReplyDays}D`,
      controlNumberMessage: null,
      governmentDecision: null,
    };
  };

  /** A2: the budget units under the department (the collection of the unit submissions). */
  const listUnits: ServiceHandler = async (job) => {
    const units = await unitsOf(str(job, 'departmentCode'));
    if (units.length === 0) throw new Error(`${str(job, 'departmentCode')} has no budget units`);
    return { round: 'first', units: units.map((u) => u.code), financeReturnOpinion: null };
  };

  /** A2/A8: what the unit's form shows: its name and, in 二上, its control number. */
  const prepareUnit: ServiceHandler = async (job) => {
    const unitCode = str(job, 'unitCode');
    const round = str(job, 'round');
    const unitControlFen =
      round === 'second' ? await currentControlNumber(knex, str(job, 'cycleId'), unitCode) : undefined;
    if (round === 'second' && unitControlFen === undefined)
      throw new Error(`${unitCode} has no control number in cycle ${str(job, 'cycleId')}`);
    return {
      unitName: await orgName(unitCode),
      unitControlFen: unitControlFen ?? null,
      submissionProblems: null,
    };
  };

  /** A2/A8 check: the lines are complete; in 二上 also ≤ control number and 绩效目标 on every project. Stores on success. */
  const checkSubmission: ServiceHandler = async (job) => {
    const round = str(job, 'round');
    const unitCode = str(job, 'unitCode');
    const { lines, problems } = readLines(job.variables.items);
    if (round === 'second' && problems.length === 0) {
      const controlFen = Number(job.variables.unitControlFen);
      problems.push(...draftProblems(lines, controlFen, await orgName(unitCode)));
    }
    if (problems.length > 0)
      return { submissionOk: false, submissionProblems: problems.join('；'), submissionTotalFen: null };
    const amountFen = totalFen(lines);
    await recordSubmission(knex, {
      cycleId: str(job, 'cycleId'),
      round,
      unitCode,
      departmentCode: str(job, 'departmentCode'),
      lines,
      amountFen,
      effectKey: job.jobId,
      now: now(),
    });
    return { submissionOk: true, submissionProblems: null, submissionTotalFen: amountFen };
  };

  /** A3/A9: the department's total and each unit's latest submission, for the department's review form. */
  const summarizeDepartment: ServiceHandler = async (job) => {
    const departmentCode = str(job, 'departmentCode');
    const totals = await latestTotals(knex, str(job, 'cycleId'), str(job, 'round'), departmentCode);
    const unitTotals = [];
    for (const unit of await unitsOf(departmentCode)) {
      unitTotals.push({
        unitCode: unit.code,
        unitName: unit.shortName || unit.name,
        amountFen: totals.get(unit.code) ?? 0,
      });
    }
    return {
      departmentTotalFen: unitTotals.reduce((s, u) => s + u.amountFen, 0),
      unitTotals,
      departmentDecision: null,
      returnUnitCode: null,
    };
  };

  /** A4/A10: which of 资产处 / 绩效处 / 评审中心 review this department in this round (budget_review_routes). */
  const planReview: ServiceHandler = async (job) => {
    const route = await reviewRoute(
      knex,
      str(job, 'financeBureauCode'),
      str(job, 'departmentCode'),
      str(job, 'round'),
    );
    return {
      reviewAsset: route.assetReview,
      reviewPerformance: route.performanceReview,
      reviewCenter: route.reviewCenter,
      returnedBy: null,
      opinion: null,
      decision: null,
    };
  };

  /** A6: every department of the cycle gets exactly one control number; stored as the next revision. */
  const issueControlNumbers: ServiceHandler = async (job) => {
    const { rows, problems } = readControlRows(job.variables.controlNumbers, 'departmentCode');
    const departments = Array.isArray(job.variables.departments)
      ? (job.variables.departments as string[])
      : [];
    const expected = [];
    for (const code of departments) expected.push({ code, name: await orgName(code) });
    problems.push(...coverageProblems(rows, expected));
    if (problems.length > 0) return { controlNumbersOk: false, controlNumberMessage: problems.join('；') };
    await storeControlNumbers(knex, {
      cycleId: str(job, 'cycleId'),
      fiscalYear: Number(job.variables.fiscalYear),
      orgKind: 'department',
      parentCode: str(job, 'financeBureauCode'),
      rows,
      jobId: job.jobId,
      now: now(),
    });
    return { controlNumbersOk: true, controlNumberMessage: null };
  };

  /** A7 (prepare): the department's number and its units' reviewed 一上 建议数, for the split form. */
  const loadDepartmentControl: ServiceHandler = async (job) => {
    const cycleId = str(job, 'cycleId');
    const departmentCode = str(job, 'departmentCode');
    const departmentControlFen = await currentControlNumber(knex, cycleId, departmentCode);
    if (departmentControlFen === undefined)
      throw new Error(`${departmentCode} has no control number in cycle ${cycleId}`);
    const proposals = await latestTotals(knex, cycleId, 'first', departmentCode);
    const units = await unitsOf(departmentCode);
    return {
      round: 'second',
      departmentControlFen,
      units: units.map((u) => u.code),
      unitProposals: units.map((u) => ({
        unitCode: u.code,
        unitName: u.shortName || u.name,
        proposalFen: proposals.get(u.code) ?? 0,
      })),
      splitMessage: null,
      financeReturnOpinion: null,
    };
  };

  /** A7 check: the split covers every unit, sums to ≤ the department's number, caps by 建议数 where configured. */
  const applySplit: ServiceHandler = async (job) => {
    const cycleId = str(job, 'cycleId');
    const departmentCode = str(job, 'departmentCode');
    const departmentFen = await currentControlNumber(knex, cycleId, departmentCode);
    if (departmentFen === undefined)
      throw new Error(`${departmentCode} has no control number in cycle ${cycleId}`);
    const { rows, problems } = readControlRows(job.variables.unitControlNumbers, 'unitCode');
    const units = (await unitsOf(departmentCode)).map((u) => ({ code: u.code, name: u.shortName || u.name }));
    const bureau = await directory.financeBureauOf(departmentCode);
    const settings = await budgetSettings(knex, bureau?.code ?? '*');
    if (problems.length === 0) {
      problems.push(
        ...splitProblems({
          department: { code: departmentCode, name: await orgName(departmentCode) },
          departmentFen,
          rows,
          units,
          ...(settings.splitCapByProposal
            ? { proposals: await latestTotals(knex, cycleId, 'first', departmentCode) }
            : {}),
        }),
      );
    }
    if (problems.length > 0) return { splitOk: false, splitMessage: problems.join('；') };
    await storeControlNumbers(knex, {
      cycleId,
      fiscalYear: Number(job.variables.fiscalYear),
      orgKind: 'unit',
      parentCode: departmentCode,
      rows,
      jobId: job.jobId,
      now: now(),
    });
    return { splitOk: true, splitMessage: null };
  };

  /** A11: the 本级 draft total from every department's latest 二上 drafts. */
  const summarizeDraft: ServiceHandler = async (job) => {
    const cycleId = str(job, 'cycleId');
    const departments = (job.variables.departments as string[] | undefined) ?? [];
    const departmentTotals = [];
    for (const code of departments) {
      const totals = await latestTotals(knex, cycleId, 'second', code);
      departmentTotals.push({
        departmentCode: code,
        amountFen: [...totals.values()].reduce((s, v) => s + v, 0),
      });
    }
    return {
      draftTotalFen: departmentTotals.reduce((s, d) => s + d.amountFen, 0),
      departmentTotals,
    };
  };

  /** A14: the 人代会 approved the budget. */
  const recordApproval: ServiceHandler = async (job) => {
    await setCycleStatus(knex, str(job, 'cycleId'), 'approved', now());
    return {};
  };

  /** A15 (prepare): the department's approved budget = its units' latest 二上 drafts. */
  const prepareReply: ServiceHandler = async (job) => {
    const departmentCode = str(job, 'departmentCode');
    const totals = await latestTotals(knex, str(job, 'cycleId'), 'second', departmentCode);
    const unitApprovals = [...totals.entries()].map(([unitCode, amountFen]) => ({ unitCode, amountFen }));
    return {
      approvedFen: unitApprovals.reduce((s, u) => s + u.amountFen, 0),
      unitApprovals,
    };
  };

  const recordReplies = async (
    job: ServiceJobContext,
    level: 'department' | 'unit',
    rows: { orgCode: string; amountFen: number; parentCode: string }[],
  ) => {
    const docNo = typeof job.variables.replyDocNo === 'string' ? job.variables.replyDocNo : null;
    await knex.transaction(async (trx) => {
      for (const row of rows) {
        const effectKey = `${job.jobId}:${row.orgCode}`;
        if (await trx('budget_replies').where({ effect_key: effectKey }).first()) continue;
        await trx('budget_replies').insert({
          cycle_id: str(job, 'cycleId'),
          org_code: row.orgCode,
          level,
          parent_code: row.parentCode,
          amount_fen: row.amountFen,
          doc_no: docNo,
          effect_key: effectKey,
          created_at: now(),
        });
      }
    });
    return { replyDocNo: null };
  };

  /** A15: 财政 → 部门 批复 recorded. */
  const recordDepartmentReply: ServiceHandler = (job) =>
    recordReplies(job, 'department', [
      {
        orgCode: str(job, 'departmentCode'),
        amountFen: Number(job.variables.approvedFen),
        parentCode: str(job, 'financeBureauCode'),
      },
    ]);

  /** A16: 部门 → 单位 批复 recorded, one row per unit. */
  const recordUnitReplies: ServiceHandler = (job) =>
    recordReplies(
      job,
      'unit',
      ((job.variables.unitApprovals as { unitCode: string; amountFen: number }[] | undefined) ?? []).map(
        (u) => ({ orgCode: u.unitCode, amountFen: u.amountFen, parentCode: str(job, 'departmentCode') }),
      ),
    );

  /** A13/A15/A16 overdue: one escalation record per timer firing, and the 督办 text for the supervisor. */
  const recordEscalation: ServiceHandler = async (job) => {
    const what = ESCALATIONS[job.elementId];
    if (!what) throw new Error(`${job.elementId} is not a known overdue step`);
    const orgCode = str(job, what.orgVariable);
    const org = await directory.getOrg(orgCode);
    const message = `${org?.name ?? orgCode}：${what.what}已超过规定期限，请督办`;
    if (!(await knex('budget_escalations').where({ effect_key: job.jobId }).first())) {
      await knex('budget_escalations')
        .insert({
          instance_id: job.instanceId,
          element_id: job.elementId,
          kind: what.kind,
          org_code: orgCode,
          message,
          effect_key: job.jobId,
          created_at: now(),
        })
        .onConflict('effect_key')
        .ignore();
    }
    return { escalationMessage: message };
  };

  /** A18: filed with the upper level; the cycle is done. */
  const closeCycle: ServiceHandler = async (job) => {
    await setCycleStatus(knex, str(job, 'cycleId'), 'filed', now());
    return {};
  };

  // 项目库 //////

  const registerProjectHandler: ServiceHandler = async (job) => {
    const result = await registerProject(knex, directory, {
      projectId: job.instanceId,
      variables: job.variables,
      effectKey: job.jobId,
      now: now(),
    });
    if (!result.ok) return { projectOk: false, projectProblem: result.problems.join('；') };
    const { project } = result;
    const settings = await budgetSettings(knex, project.financeBureauCode);
    return {
      projectOk: true,
      projectProblem: null,
      projectCode: project.projectCode,
      unitCode: project.unitCode,
      departmentCode: project.departmentCode,
      financeBureauCode: project.financeBureauCode,
      needsReviewCenter: project.totalFen >= settings.projectReviewThresholdFen,
      decision: null,
    };
  };

  const projectStatus =
    (status: ProjectStatus): ServiceHandler =>
    async (job) => {
      const reserveYear = Number(job.variables.reserveYear);
      await setProjectStatus(knex, {
        projectId: job.instanceId,
        status,
        note: typeof job.variables.opinion === 'string' ? job.variables.opinion : null,
        ...(status === '储备' && Number.isInteger(reserveYear) ? { reserveYear } : {}),
        effectKey: job.jobId,
        now: now(),
      });
      return { projectStatus: status };
    };

  return {
    'budget.claimDueCycles': claimDue,
    'budget.openCycle': openCycleHandler,
    'budget.listUnits': listUnits,
    'budget.prepareUnit': prepareUnit,
    'budget.checkSubmission': checkSubmission,
    'budget.summarizeDepartment': summarizeDepartment,
    'budget.planReview': planReview,
    'budget.issueControlNumbers': issueControlNumbers,
    'budget.loadDepartmentControl': loadDepartmentControl,
    'budget.applySplit': applySplit,
    'budget.summarizeDraft': summarizeDraft,
    'budget.recordApproval': recordApproval,
    'budget.prepareReply': prepareReply,
    'budget.recordDepartmentReply': recordDepartmentReply,
    'budget.recordUnitReplies': recordUnitReplies,
    'budget.recordEscalation': recordEscalation,
    'budget.closeCycle': closeCycle,
    'budget.project.register': registerProjectHandler,
    'budget.project.returned': projectStatus('已退回'),
    'budget.project.rejected': projectStatus('不予入库'),
    'budget.project.admitted': projectStatus('已入库'),
    'budget.project.reserved': projectStatus('储备'),
  };
}
