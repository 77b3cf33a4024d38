/**
 * 预算编制 “二上二下” (processes/budget-preparation/README.md) as the load driver runs it, for one finance
 * bureau and fiscal year: the bureau's 预算 reviewer deploys `budgetPreparation` for the education department;
 * both schools' clerks send their 一上 (A2_proposal); the department consolidates (A3); the finance review chain
 * (业务 R1 → 资产/绩效/评审中心 R2 in parallel → 预算 chief R3); the chief sets the control number (A5); the
 * department splits it (A7); the schools draft their 二上 (A8) within it; the department (A9) and the finance
 * chain again; the draft (A11), the government (A12, the bureau director), the NPC (A13, A14), the replies (A15,
 * A16), publication (A17) and 备案 at the parent bureau (A18; none for the province). Seeded randomness lets the
 * department 退回 one school's 一上 and 业务 return the 一上 to the department, once each.
 *
 * One cycle per bureau and year (`budget_cycles`): the driver hands out (region, year) pairs, years 2028–2100
 * (2027 belongs to the demo instances and the demo schedule), 4 regions → 292 cycles per database. A pair
 * already used (a rerun on the same database) ends at A1_notDeployed, which the driver logs. NPC session dates
 * lie in January of the fiscal year, so the A13 deadline timer (30 days before) never fires during a run.
 */
import {
  educationOrgs,
  type InstanceDetail,
  type InstanceScript,
  type LoadRegion,
  type ScriptContext,
  type TaskAction,
} from './process-script.js';
import type { InboxTask } from './inboxes.js';

export const FIRST_BUDGET_YEAR = 2028;
export const LAST_BUDGET_YEAR = 2100;

const line = (projectName: string, amountFen: number, category: 'basic' | 'project', goal: string) => ({
  category,
  projectName,
  functionalClass: '2050203',
  economicClass: category === 'basic' ? '30101' : '31002',
  amountFen,
  performanceGoal: goal,
});

/** 一上 and 二上 of each school (分): the control number 90 万元 splits 65/25 万元, within each 一上. */
const PROPOSALS = {
  school1: [
    line('人员经费', 40_000_000, 'basic', ''),
    line('教学设备购置', 30_000_000, 'project', '完成率 ≥ 95%'),
  ],
  school2: [line('校舍维修', 30_000_000, 'project', '年底前竣工验收')],
};
const DRAFTS = {
  school1: [
    line('人员经费', 40_000_000, 'basic', ''),
    line('教学设备购置', 25_000_000, 'project', '完成率 ≥ 95%'),
  ],
  school2: [line('校舍维修', 25_000_000, 'project', '年底前竣工验收')],
};
const DEPARTMENT_CONTROL_FEN = 90_000_000;
const UNIT_CONTROL_FEN = { school1: 65_000_000, school2: 25_000_000 };

export function budgetPreparationScript(
  ctx: ScriptContext,
  region: LoadRegion,
  fiscalYear: number,
): InstanceScript {
  const { random } = ctx;
  const user = (post: string) => `${region.slug}.${post}`;
  const orgs = educationOrgs(region);
  const U = {
    budget: user('budget.reviewer'),
    chief: user('budget.chief'),
    director: user('finance.director'),
    business: user('business.reviewer'),
    asset: user('asset.reviewer'),
    performance: user('performance.reviewer'),
    center: user('review.reviewer'),
    education: user('education.reviewer'),
    school1: user('school1.clerk'),
    school2: user('school2.clerk'),
    deputy: user('finance.deputy'),
    educationChief: user('education.chief'),
    parent: region.financeParentSlug ? `${region.financeParentSlug}.budget.reviewer` : undefined,
  };
  const schoolOf = (u: string): 'school1' | 'school2' => (u === U.school2 ? 'school2' : 'school1');
  let unitReturned = false;
  let financeReturned = false;
  const approve = (next: readonly string[]): TaskAction => ({
    op: 'complete',
    variables: { decision: 'approve', opinion: '同意' },
    comment: '同意',
    next,
  });
  const done = (
    variables: Record<string, unknown>,
    next: readonly string[],
    comment = '已办理',
  ): TaskAction => ({
    op: 'complete',
    variables,
    comment,
    next,
  });

  return {
    kind: 'budgetPreparation',
    processKey: 'budgetPreparation',
    businessKey: `LOAD-${ctx.runId}-YS-${region.regionCode}-${fiscalYear}`,
    starter: U.budget,
    startVariables: {
      fiscalYear,
      financeBureauCode: `${region.regionCode}-CZ`,
      departmentCodes: [orgs.department],
      npcSessionDate: `${fiscalYear}-01-20`,
    },
    firstActors: [U.school1, U.school2],
    actors: Object.values(U).filter((u): u is string => typeof u === 'string'),
    onTask(task: InboxTask, actor: string): TaskAction | undefined {
      switch (task.taskDefinitionKey) {
        case 'A2_proposal':
          return done({ items: PROPOSALS[schoolOf(actor)] }, [U.education], '报送一上');
        case 'A3_departmentReview':
          if (!unitReturned && random() < ctx.returnRate) {
            unitReturned = true;
            return done(
              { departmentDecision: 'return', returnUnitCode: orgs.school2, opinion: '维修测算依据不足' },
              [U.school2],
              '退回县二中',
            );
          }
          return done({ departmentDecision: 'submit', opinion: '同意汇总' }, [U.business], '同意');
        case 'A9_departmentReview':
          return done({ departmentDecision: 'submit', opinion: '同意' }, [U.business], '同意');
        case 'R1_business':
          if (!financeReturned && random() < ctx.returnRate) {
            financeReturned = true;
            return done({ decision: 'return', opinion: '口径不符' }, [U.education], '退回修改');
          }
          return approve([U.asset, U.performance, U.center]);
        case 'R2_asset':
        case 'R2_performance':
        case 'R2_center':
        case 'R3_budget':
          return approve([U.chief]);
        case 'A5_balance':
          return done(
            { controlNumbers: [{ departmentCode: orgs.department, amountFen: DEPARTMENT_CONTROL_FEN }] },
            [U.education],
          );
        case 'A7_split':
          return done(
            {
              unitControlNumbers: [
                { unitCode: orgs.school1, amountFen: UNIT_CONTROL_FEN.school1 },
                { unitCode: orgs.school2, amountFen: UNIT_CONTROL_FEN.school2 },
              ],
            },
            [U.school1, U.school2],
          );
        case 'A8_draft':
          return done({ items: DRAFTS[schoolOf(actor)] }, [U.education], '报送二上');
        case 'A11_draft':
          return done({ draftNote: '本级预算草案' }, [U.director]);
        case 'A12_government':
          return done(
            { governmentDecision: 'agree', resolutionNo: `常务会议纪要〔${fiscalYear - 1}〕12号` },
            [U.chief],
          );
        case 'A13_npcReview':
          return done({ governmentDecision: 'agree', opinion: '财经委初审无修改' }, [U.chief]);
        case 'A14_npcApproval':
          return done({ governmentDecision: 'agree', resolutionNo: '人代会决议' }, [U.chief]);
        case 'A15_financeReply':
          return done({ replyDocNo: `财预〔${fiscalYear}〕1号`, replyDate: `${fiscalYear}-01-25` }, [
            U.education,
          ]);
        case 'A16_departmentReply':
          return done({ replyDocNo: `教财〔${fiscalYear}〕2号`, replyDate: `${fiscalYear}-02-01` }, [
            U.education,
          ]);
        case 'A17_publish':
          return done({ publishedOn: `${fiscalYear}-02-10` }, U.parent ? [U.parent] : []);
        case 'A18_filing':
          return done({ filingNo: `备〔${fiscalYear}〕8号` }, []);
        case 'A13_supervise':
        case 'A15_supervise':
        case 'A16_supervise':
          return done({ superviseNote: '已督办' }, []);
        default:
          return undefined;
      }
    },
    describeEnd(detail: InstanceDetail) {
      if (detail.completedActivityIds.includes('A1_notDeployed'))
        return `budget cycle ${region.regionCode} ${fiscalYear} not deployed: ${String(detail.variables.cycleProblem ?? '')}`;
      return undefined;
    },
  };
}
