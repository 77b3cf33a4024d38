/**
 * Service tasks of nonTaxItemMaintenance (C0 项目/标准维护): the province's 非税处 proposes a new or changed item,
 * the proposal is checked (shares sum to 10000, a standard, a 103 revenue class …) before the 处长 sees it, and
 * it takes effect in the catalogue only when approved. Only the province's 非税处 may propose: units cannot add
 * items themselves (domain.md §3.1 C0).
 */
import type { Knex } from 'knex';
import type { ServiceHandler } from '../../engine/index.js';
import { OrgDirectory } from '../org/org-directory.js';
import { initiatorOf } from './collection-place.js';
import { applyProposal, proposalProblems, type ItemProposal } from './item-catalogue.js';

interface Deps {
  readonly knex: Knex;
  now(): number;
}

export function itemMaintenanceHandlers(deps: Deps): Record<string, ServiceHandler> {
  const { knex } = deps;
  const directory = new OrgDirectory(knex);
  const now = () => new Date(deps.now());

  return {
    'nonTax.item.validateChange': async (job) => {
      const proposal = proposalOf(job.variables);
      const initiator = await initiatorOf(knex, job.instanceId);
      const user = await directory.getUser(initiator);
      const province = await directory.provinceBureau();
      const problems: string[] = [];
      if (!user || !province || user.orgCode !== `${province.code}-FS`)
        problems.push('initiator: 非税收入项目目录只能由省财政厅非税收入管理处维护');
      const exists = Boolean(
        typeof proposal.itemCode === 'string' &&
        (await knex('nontax_items').where({ code: proposal.itemCode }).first()),
      );
      problems.push(...proposalProblems(proposal, exists));
      for (const code of proposal.unitCodes ?? []) {
        if (!(await directory.getOrg(code))) problems.push(`unitCodes: 执收单位 ${code} 不存在`);
      }
      if (problems.length > 0) return { valid: false, changeProblems: problems };
      await knex('nontax_item_changes')
        .insert({
          instance_id: job.instanceId,
          item_code: proposal.itemCode,
          change_kind: proposal.changeKind,
          proposal: JSON.stringify(proposal),
          status: 'proposed',
          proposed_by: initiator,
          created_at: now(),
        })
        .onConflict('instance_id')
        .ignore();
      return { valid: true, changeProblems: [] };
    },

    'nonTax.item.applyChange': async (job) => {
      const change = (await knex('nontax_item_changes').where({ instance_id: job.instanceId }).first()) as
        Record<string, unknown> | undefined;
      if (!change) throw new Error(`No item change recorded for instance ${job.instanceId}`);
      if (change.status === 'proposed') {
        const proposal = JSON.parse(String(change.proposal)) as ItemProposal;
        await applyProposal(
          knex,
          proposal,
          change.proposed_by === null ? null : String(change.proposed_by),
          now(),
        );
        await knex('nontax_item_changes')
          .where({ instance_id: job.instanceId })
          .update({ status: 'applied', decided_at: now() });
      }
      return { changeStatus: 'applied' };
    },

    'nonTax.item.rejectChange': async (job) => {
      await knex('nontax_item_changes')
        .where({ instance_id: job.instanceId, status: 'proposed' })
        .update({ status: 'rejected', decided_at: now() });
      return { changeStatus: 'rejected' };
    },
  };
}

function proposalOf(v: Readonly<Record<string, unknown>>): ItemProposal {
  const num = (x: unknown) => (x === undefined || x === null || x === '' ? undefined : (x as number));
  const units =
    typeof v.unitCodes === 'string'
      ? v.unitCodes
          .split(/[,，\s]+/)
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : Array.isArray(v.unitCodes)
        ? v.unitCodes.map(String)
        : undefined;
  return {
    changeKind: v.changeKind as ItemProposal['changeKind'],
    itemCode: typeof v.itemCode === 'string' ? v.itemCode.trim() : (v.itemCode as string),
    itemName: v.itemName as string | undefined,
    revenueClassCode: v.revenueClassCode as string | undefined,
    category: v.category as string | undefined,
    standardKind: v.standardKind as ItemProposal['standardKind'],
    standardFen: num(v.standardFen) ?? null,
    rateBp: num(v.rateBp) ?? null,
    provinceShareBp: num(v.provinceShareBp),
    cityShareBp: num(v.cityShareBp),
    countyShareBp: num(v.countyShareBp),
    paymentTermDays: num(v.paymentTermDays),
    legalBasis: typeof v.legalBasis === 'string' ? v.legalBasis : null,
    ...(units ? { unitCodes: units } : {}),
  };
}
