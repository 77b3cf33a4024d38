/**
 * Service tasks of nonTaxCollection (C1–C5, C8) and nonTaxIncomingPayment: issue the notice from the catalogue
 * (amount, 票号, 缴款码, 缴款期限), notify the payer, count 催缴 rounds, record the bank's payment, issue the
 * 电子票据, split the money to the budget levels and 核销. Every write is keyed (notice per instance, event per
 * job, bank record per serial, split per notice × line × level), so a handler that runs twice changes nothing
 * the second time and answers the same variables.
 */
import type { Knex } from 'knex';
import type { ServiceHandler, ServiceJobContext } from '../../engine/index.js';
import { OrgDirectory } from '../org/org-directory.js';
import { bankPaymentOf, recordMatched, recordUnmatched } from './bank-records.js';
import { addDays, chinaDate, endOfChinaDay, isDate } from './china-date.js';
import { initiatorOf, orgOfUser, placeOfUnit } from './collection-place.js';
import {
  nextNumber,
  noticeNumber,
  paymentCode as formatPaymentCode,
  receiptNumber,
} from './document-numbers.js';
import { itemsOfUnit, loadItems } from './item-catalogue.js';
import {
  deadlineVariables,
  findNotice,
  recordEventOnce,
  requireNotice,
  type NoticeRow,
} from './notice-records.js';
import { effectiveShares, lineAmount, splitAmount, type LevelAmount } from './revenue-split.js';
import { NonTaxSettings } from './settings.js';

interface Deps {
  readonly knex: Knex;
  now(): number;
}

/** A notice line as the start form sends it. */
interface LineInput {
  readonly itemCode: string;
  readonly quantity: number;
  readonly baseFen: number | null;
}

export function collectionHandlers(deps: Deps): Record<string, ServiceHandler> {
  const { knex } = deps;
  const directory = new OrgDirectory(knex);
  const settings = new NonTaxSettings(knex);
  const now = () => new Date(deps.now());

  return {
    /** C1 开具缴款书: checks the lines against the catalogue and the unit, computes the amount, assigns numbers. */
    'nonTax.issueNotice': async (job) => {
      const existing = await findNotice(knex, { instanceId: job.instanceId });
      const issuedBy = await initiatorOf(knex, job.instanceId);
      if (existing) return { ...issuedVariables(existing, await linesOf(knex, existing.noticeNo)), issuedBy };

      const unitOrgCode = await orgOfUser(directory, issuedBy);
      const { lines, problems } = await checkLines(knex, unitOrgCode, job.variables);
      const payerName = typeof job.variables.payerName === 'string' ? job.variables.payerName.trim() : '';
      if (payerName === '') problems.push('payerName: 缴款人必填');
      if (problems.length > 0) return { issued: false, issueProblems: problems };

      const place = await placeOfUnit(directory, unitOrgCode);
      const items = await loadItems(
        knex,
        lines.map((l) => l.itemCode),
      );
      const amounts = lines.map((l) => lineAmount(items.get(l.itemCode)!, l.quantity, l.baseFen));
      const totalFen = amounts.reduce((a, b) => a + b, 0);
      const termDays = Math.min(...lines.map((l) => items.get(l.itemCode)!.paymentTermDays));
      const at = now();
      const year = Number(chinaDate(at.getTime()).slice(0, 4));
      const noticeNo = noticeNumber(place.regionCode, year, await nextNumber(knex, 'notice'));
      const code = formatPaymentCode(place.regionCode, year, await nextNumber(knex, 'payment'));
      const dueDate = addDays(chinaDate(at.getTime()), termDays);
      const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
      await knex.transaction(async (trx) => {
        // the instance id is UNIQUE: a second attempt that got here too loses this insert and reads the first
        await trx('nontax_notices').insert({
          notice_no: noticeNo,
          payment_code: code,
          instance_id: job.instanceId,
          unit_org_code: unitOrgCode,
          region_code: place.regionCode,
          level: place.level,
          payer_name: payerName,
          payer_id_no: text(job.variables.payerIdNo),
          payer_phone: text(job.variables.payerPhone),
          total_fen: totalFen,
          payable_fen: totalFen,
          due_date: dueDate,
          reminder_count: 0,
          status: 'issued',
          created_at: at,
          updated_at: at,
        });
        await trx('nontax_notice_lines').insert(
          lines.map((l, i) => ({
            notice_no: noticeNo,
            line_no: i + 1,
            item_code: l.itemCode,
            quantity: l.quantity,
            base_fen: l.baseFen,
            amount_fen: amounts[i],
          })),
        );
      });
      const notice = await requireNotice(knex, { instanceId: job.instanceId });
      return { ...issuedVariables(notice, await linesOf(knex, notice.noticeNo)), issuedBy };
    },

    /** C2 通知缴款人: records the notification (SMS / portal are the messaging gateway's job). */
    'nonTax.notifyPayer': async (job) => {
      const notice = await requireNotice(knex, { instanceId: job.instanceId });
      await knex.transaction((trx) =>
        recordEventOnce(
          trx,
          {
            effectKey: `${job.instanceId}:notified`,
            noticeNo: notice.noticeNo,
            kind: 'notified',
            detail: `缴款码 ${notice.paymentCode}，应缴 ${notice.payableFen} 分，缴款期限 ${notice.dueDate}`,
          },
          now(),
        ),
      );
      return { notifiedAt: now().toISOString() };
    },

    /**
     * C3 缴款期限届满: one more 催缴 round with a new deadline, or 逾期 once the configured number of rounds is
     * used up. Keyed by the job, so a retry answers what the first attempt decided.
     */
    'nonTax.remind': async (job) => {
      const maxReminders = await settings.integer('collection.maxReminders');
      const termDays = await settings.integer('collection.reminderTermDays');
      const outcome = await knex.transaction(async (trx) => {
        const notice = await requireNotice(trx, { instanceId: job.instanceId });
        const overdue = notice.reminderCount >= maxReminders;
        const dueDate = overdue ? notice.dueDate : addDays(chinaDate(deps.now()), Math.max(1, termDays));
        const count = overdue ? notice.reminderCount : notice.reminderCount + 1;
        const detail = JSON.stringify({ overdue, dueDate, reminderCount: count });
        const recorded = await recordEventOnce(
          trx,
          {
            effectKey: `${job.jobId}:remind`,
            noticeNo: notice.noticeNo,
            kind: overdue ? 'overdue' : 'reminded',
            detail,
          },
          now(),
        );
        if (recorded.inserted && !overdue) {
          await trx('nontax_notices')
            .where({ notice_no: notice.noticeNo })
            .update({ reminder_count: count, due_date: dueDate, updated_at: now() });
        }
        return JSON.parse(recorded.detail) as { overdue: boolean; dueDate: string; reminderCount: number };
      });
      return {
        overdue: outcome.overdue,
        reminderCount: outcome.reminderCount,
        dueDate: outcome.dueDate,
        dueAt: endOfChinaDay(outcome.dueDate),
      };
    },

    /** 逾期处理 → 延期: the reviewer's new deadline (a date after today; otherwise one more reminder term). */
    'nonTax.extendDue': async (job) => {
      const today = chinaDate(deps.now());
      const asked = job.variables.extendedDueDate;
      const dueDate =
        isDate(asked) && asked > today
          ? asked
          : addDays(today, Math.max(1, await settings.integer('collection.reminderTermDays')));
      const notice = await requireNotice(knex, { instanceId: job.instanceId });
      await knex('nontax_notices')
        .where({ notice_no: notice.noticeNo })
        .update({ due_date: dueDate, updated_at: now() });
      return { dueDate, dueAt: endOfChinaDay(dueDate), overdue: false };
    },

    /** 逾期处理 → 作废: the notice is closed unpaid (移送执法 happens outside). */
    'nonTax.voidNotice': async (job) => {
      const notice = await requireNotice(knex, { instanceId: job.instanceId });
      await knex('nontax_notices')
        .where({ notice_no: notice.noticeNo, status: 'issued' })
        .update({ status: 'overdue_voided', updated_at: now() });
      return { noticeStatus: 'overdue_voided' };
    },

    /** C9 减免缓 decided (message from nonTaxRelief): reads the notice's new amount and deadline. */
    'nonTax.applyRelief': async (job) => {
      const notice = await requireNotice(knex, { instanceId: job.instanceId });
      return { ...deadlineVariables(notice), exempted: notice.status === 'exempted', overdue: false };
    },

    /** C4 到账: records the bank's payment (matched) and marks the notice paid. */
    'nonTax.recordPayment': async (job) => {
      const payment = bankPaymentOf(job.variables, deps.now());
      const notice = await requireNotice(knex, { instanceId: job.instanceId });
      await knex.transaction(async (trx) => {
        await recordMatched(trx, payment, notice, now());
        await trx('nontax_notices')
          .where({ notice_no: notice.noticeNo })
          .whereIn('status', ['issued'])
          .update({
            status: 'paid',
            paid_fen: payment.paidFen,
            paid_at: new Date(payment.paidAtMs),
            paid_date: chinaDate(payment.paidAtMs),
            bank_serial_no: payment.bankSerialNo,
            updated_at: now(),
          });
      });
      const paid = await requireNotice(knex, { instanceId: job.instanceId });
      return {
        paidFen: paid.paidFen,
        paidDate: paid.paidDate,
        amountMatches: paid.paidFen === paid.payableFen,
      };
    },

    /** C4 票据生成: the 电子票据 number (财政监制), once per notice. */
    'nonTax.issueReceipt': async (job) => {
      let notice = await requireNotice(knex, { instanceId: job.instanceId });
      if (!notice.receiptNo) {
        const prefix = await settings.text('receipt.codePrefix');
        const year = Number(chinaDate(deps.now()).slice(0, 4));
        const receiptNo = receiptNumber(prefix, '03', year, await nextNumber(knex, 'receipt'));
        await knex('nontax_notices')
          .where({ notice_no: notice.noticeNo })
          .whereNull('receipt_no')
          .update({ receipt_no: receiptNo, status: 'confirmed', updated_at: now() });
        notice = await requireNotice(knex, { instanceId: job.instanceId });
      }
      return { receiptNo: notice.receiptNo };
    },

    /** C5 清算/划解: splits the paid amount by line and level; writes the split and the treasury entries. */
    'nonTax.splitRevenue': async (job) => {
      const notice = await requireNotice(knex, { instanceId: job.instanceId });
      const parts = await splitNotice(knex, directory, settings, notice);
      const at = now();
      await knex.transaction(async (trx) => {
        await trx('nontax_splits')
          .insert(
            parts.map((p) => ({
              notice_no: notice.noticeNo,
              line_no: p.lineNo,
              level: p.level,
              region_code: p.regionCode,
              amount_fen: p.amountFen,
              created_at: at,
            })),
          )
          .onConflict(['notice_no', 'line_no', 'level'])
          .ignore();
        const byLevel = sumByLevel(parts);
        await trx('nontax_treasury_entries')
          .insert(
            byLevel.map((p) => ({
              notice_no: notice.noticeNo,
              level: p.level,
              region_code: p.regionCode,
              amount_fen: p.amountFen,
              entry_date: notice.paidDate ?? chinaDate(deps.now()),
              created_at: at,
            })),
          )
          .onConflict(['notice_no', 'level'])
          .ignore();
        await trx('nontax_notices')
          .where({ notice_no: notice.noticeNo, status: 'confirmed' })
          .update({ status: 'cleared', updated_at: at });
      });
      const stored = (await knex('nontax_splits').where({ notice_no: notice.noticeNo })) as Record<
        string,
        unknown
      >[];
      const splits = sumByLevel(
        stored.map((r) => ({
          level: r.level as LevelAmount['level'],
          regionCode: String(r.region_code),
          amountFen: Number(r.amount_fen),
        })),
      );
      return { splits, splitTotalFen: splits.reduce((s, p) => s + p.amountFen, 0) };
    },

    /** C8 核销: only a notice whose 应缴 and 实缴 agree is written off; others wait for 对账. */
    'nonTax.writeOff': async (job) => {
      const notice = await requireNotice(knex, { instanceId: job.instanceId });
      const writtenOff = notice.paidFen === notice.payableFen;
      if (writtenOff) {
        await knex('nontax_notices')
          .where({ notice_no: notice.noticeNo, status: 'cleared' })
          .update({ status: 'written_off', updated_at: now() });
      }
      return { writtenOff };
    },

    /** 来款登记 (nonTaxIncomingPayment): money nothing waited for is kept as 待查 for the reconciliation. */
    'nonTax.recordIncomingPayment': async (job: ServiceJobContext) => {
      const payment = bankPaymentOf(
        { ...job.variables, paymentCode: job.variables.paymentCode ?? job.businessKey },
        deps.now(),
      );
      const outcome = await recordUnmatched(knex, payment, now());
      return { suspense: true, bankRecord: outcome };
    },
  };
}

// helpers //////

/** Checks the start form's lines; returns them normalised with the problems found (each naming the field). */
async function checkLines(
  knex: Knex,
  unitOrgCode: string,
  variables: Readonly<Record<string, unknown>>,
): Promise<{ lines: LineInput[]; problems: string[] }> {
  const problems: string[] = [];
  const raw = variables.lines;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 50) {
    return { lines: [], problems: ['lines: 至少一个、至多五十个收费项目'] };
  }
  const lines: LineInput[] = [];
  const codes = raw.map((l) => String((l as { itemCode?: unknown })?.itemCode ?? ''));
  const items = await loadItems(knex, codes);
  const allowed = await itemsOfUnit(knex, unitOrgCode);
  raw.forEach((entry, i) => {
    const l = (entry ?? {}) as Record<string, unknown>;
    const at = `lines[${i}]`;
    const item = items.get(String(l.itemCode ?? ''));
    const quantity = l.quantity === undefined ? 1 : l.quantity;
    const baseFen = l.baseFen === undefined || l.baseFen === null ? null : l.baseFen;
    if (!item || !item.enabled)
      problems.push(`${at}.itemCode: 项目 ${String(l.itemCode)} 不在非税收入项目目录中`);
    else if (!allowed.has(item.code)) problems.push(`${at}.itemCode: 本单位未获准执收项目 ${item.code}`);
    if (!Number.isSafeInteger(quantity) || (quantity as number) < 1 || (quantity as number) > 100_000)
      problems.push(`${at}.quantity: 数量须为 1–100000 的整数`);
    if (item?.standardKind === 'rate' && (!Number.isSafeInteger(baseFen) || (baseFen as number) <= 0))
      problems.push(`${at}.baseFen: 按比率计征的项目须填写计征基数（分）`);
    lines.push({
      itemCode: String(l.itemCode),
      quantity: quantity as number,
      baseFen: item?.standardKind === 'rate' ? (baseFen as number) : null,
    });
  });
  return { lines, problems };
}

async function linesOf(knex: Knex, noticeNo: string): Promise<Record<string, unknown>[]> {
  const rows = (await knex('nontax_notice_lines')
    .where({ notice_no: noticeNo })
    .orderBy('line_no')) as Record<string, unknown>[];
  return rows.map((r) => ({
    lineNo: Number(r.line_no),
    itemCode: String(r.item_code),
    quantity: Number(r.quantity),
    baseFen: r.base_fen === null ? null : Number(r.base_fen),
    amountFen: Number(r.amount_fen),
  }));
}

function issuedVariables(notice: NoticeRow, lines: Record<string, unknown>[]): Record<string, unknown> {
  return {
    issued: true,
    issueProblems: [],
    noticeNo: notice.noticeNo,
    paymentCode: notice.paymentCode,
    unitOrgCode: notice.unitOrgCode,
    regionCode: notice.regionCode,
    totalFen: notice.totalFen,
    lines,
    overdue: false,
    ...deadlineVariables(notice),
  };
}

/**
 * The split of a paid notice: the paid amount is spread over the lines in proportion to their amounts (the
 * last line takes the remainder), then each line is split by its item's shares at the notice's place.
 */
async function splitNotice(
  knex: Knex,
  directory: OrgDirectory,
  settings: NonTaxSettings,
  notice: NoticeRow,
): Promise<(LevelAmount & { lineNo: number })[]> {
  const paid = notice.paidFen ?? 0;
  const lines = await linesOf(knex, notice.noticeNo);
  const items = await loadItems(
    knex,
    lines.map((l) => String(l.itemCode)),
  );
  const place = await placeOfUnit(directory, notice.unitOrgCode);
  const directTo = await settings.oneOf('split.directCountyCityShareTo', ['county', 'province'] as const);
  const lineTotal = lines.reduce((s, l) => s + Number(l.amountFen), 0);
  const parts: (LevelAmount & { lineNo: number })[] = [];
  let spread = 0;
  lines.forEach((line, i) => {
    const share =
      i === lines.length - 1 ? paid - spread : Math.floor((paid * Number(line.amountFen)) / lineTotal);
    spread += share;
    const item = items.get(String(line.itemCode));
    if (!item) throw new Error(`Item ${String(line.itemCode)} of notice ${notice.noticeNo} is gone`);
    for (const part of splitAmount(share, effectiveShares(item.shares, place, directTo), place))
      parts.push({ ...part, lineNo: Number(line.lineNo) });
  });
  return parts;
}

function sumByLevel(parts: readonly LevelAmount[]): LevelAmount[] {
  const byLevel = new Map<string, LevelAmount>();
  for (const p of parts) {
    const known = byLevel.get(p.level);
    byLevel.set(p.level, known ? { ...known, amountFen: known.amountFen + p.amountFen } : { ...p });
  }
  const order = ['province', 'city', 'county'];
  return [...byLevel.values()].sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
}
