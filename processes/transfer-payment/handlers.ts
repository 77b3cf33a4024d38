/**
 * Service-task handlers of the special transfer-payment application (专项转移支付资金申报, `transferPayment.*`):
 *
 * - `transferPayment.resolveRoute` (TP0_route): the applicant (the instance's initiator, who holds the 填报
 *   step) and, from the applicant's org, the receiving county's finance bureau
 *   and the bureau one level up by `finance_parent` (domain.md §4.2). A county under a city goes through the
 *   city's 初审 (`viaCity: true`); a 省直管县 such as 巩义, whose finance parent is the province, goes straight to
 *   the province (`viaCity: false`). An applicant outside a county is not eligible (`eligible: false` with a
 *   Chinese reason): a business outcome the next gateway reads, not an error.
 * - `transferPayment.recordAllocation` (TP7_allocate): the province's 批复 becomes an allocation of the approved
 *   amount for the county (allocations.ts), idempotent by the effect key `<instanceId>:<elementId>` (the step runs
 *   once per application; a redelivered job finds the row and writes nothing), and an indicator (预算指标) of that
 *   amount in the county's ledger (processes/treasury-payment/indicator-ledger.ts: 财政区划 = the county, 预算单位 =
 *   the applying unit, 指标文号 = the 批复's), registered under the allocation's id, so a retry registers nothing
 *   twice. The unit then pays from it through 国库集中支付.
 */
import type { ServiceHandler, ServiceJobContext } from '../../engine/index.js';
import type { HandlerDeps } from '../handlers.js';
import { OrgDirectory } from '../org/org-directory.js';
import { IndicatorLedger } from '../treasury-payment/indicator-ledger.js';
import { linkIndicator, recordAllocation } from './allocations.js';

export function transferPaymentHandlers(deps: HandlerDeps): Record<string, ServiceHandler> {
  const { knex } = deps;
  const directory = new OrgDirectory(knex);
  const ledger = new IndicatorLedger(knex, () => deps.now());

  const str = (job: ServiceJobContext, name: string): string => {
    const value = job.variables[name];
    if (typeof value !== 'string' || value.length === 0)
      throw new Error(`${job.elementId} (${job.taskType}) needs the variable ${name}`);
    return value;
  };
  const fen = (job: ServiceJobContext, name: string): number => {
    const value = job.variables[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
      throw new Error(`${job.elementId} (${job.taskType}) needs ${name} as a positive integer amount in 分`);
    return value;
  };

  /**
   * Who started the instance and for which org, from the instance row (set by the engine from the signed-in
   * starter, unlike start variables, which the caller chooses); the org falls back to the initiator's.
   */
  const applicantOf = async (instanceId: string) => {
    const row = await knex('process_instances').where({ id: instanceId }).first('org_code', 'initiator');
    const user = row?.initiator ? await directory.getUser(String(row.initiator)) : undefined;
    if (!user) throw new Error(`Instance ${instanceId} has no initiator in the org directory`);
    return { applicant: user.id, applicantOrgCode: row?.org_code ? String(row.org_code) : user.orgCode };
  };

  const resolveRoute: ServiceHandler = async (job) => {
    const { applicant, applicantOrgCode } = await applicantOf(job.instanceId);
    const bureau = await directory.financeBureauOf(applicantOrgCode);
    const province = await directory.provinceBureau();
    if (!bureau || bureau.level !== 'county' || !province)
      return {
        eligible: false,
        routeProblem: `${applicantOrgCode} 不属于县级财政，不能申报专项转移支付资金（由县级单位经县财政申报）`,
      };
    const parent = await directory.financeParentBureauOf(bureau.code);
    if (!parent) throw new Error(`${bureau.code} has no finance parent bureau`);
    return {
      eligible: true,
      routeProblem: null,
      // the 填报 step's holder (TP1_apply, `=initiator`), from the instance row whatever the start variables
      // said, and the org the funds are for
      initiator: applicant,
      applicantOrgCode,
      recipientRegionCode: bureau.parentCode,
      recipientBureauCode: bureau.code,
      reviewBureauCode: parent.code,
      approverBureauCode: province.code,
      // 省直管县: the finance parent is the province, so there is no city 初审
      viaCity: parent.level === 'city',
    };
  };

  const recordAllocationHandler: ServiceHandler = async (job) => {
    const allocation = await recordAllocation(
      knex,
      {
        effectKey: `${job.instanceId}:${job.elementId}`,
        instanceId: job.instanceId,
        businessKey: job.businessKey,
        fiscalYear: Number(job.variables.fiscalYear),
        regionCode: str(job, 'recipientRegionCode'),
        recipientBureauCode: str(job, 'recipientBureauCode'),
        approverBureauCode: str(job, 'approverBureauCode'),
        applicantOrgCode: str(job, 'applicantOrgCode'),
        projectName: str(job, 'projectName'),
        functionalClass: str(job, 'functionalClass'),
        fundType: str(job, 'fundType'),
        approvalDocNo: str(job, 'approvalDocNo'),
        approvedFen: fen(job, 'approvedAmountFen'),
      },
      new Date(deps.now()),
    );
    // 指标登记 in the county's ledger: the applying unit may pay from it (Process B); idempotent by id
    const lines = Array.isArray(job.variables.budgetLines) ? job.variables.budgetLines : [];
    const firstEco = (lines[0] as { economicClass?: unknown } | undefined)?.economicClass;
    const indicator = await ledger.register({
      id: allocation.id,
      fiscalYear: allocation.fiscalYear,
      mofDivCode: allocation.regionCode,
      agencyCode: allocation.applicantOrgCode,
      proCode: (allocation.businessKey ?? `TP-${allocation.instanceId}`).slice(0, 64),
      proName: allocation.projectName,
      expFuncCode: allocation.functionalClass,
      ecoCode: typeof firstEco === 'string' ? firstEco : '',
      fundTypeCode: allocation.fundType,
      isDirectFund: false,
      bgtDocNo: allocation.approvalDocNo,
      allocatedFen: allocation.approvedFen,
    });
    await linkIndicator(knex, allocation.id, indicator.id);
    return { allocationId: allocation.id, indicatorId: indicator.id };
  };

  return {
    'transferPayment.resolveRoute': resolveRoute,
    'transferPayment.recordAllocation': recordAllocationHandler,
  };
}
