/**
 * Service tasks of nonTaxReconciliation (C7 日终对账, C6 待查): compare one day's paid notices, bank records and
 * treasury entries; every difference becomes one `nontax_recon_diffs` row (UNIQUE per date × kind × reference,
 * so a rerun of the same day, or a retried job, never finds it twice) and one 差错处理 task; money no notice
 * claims (unmatched bank records) goes to 待查 tasks. The run is started by a timer and has no initiator, so
 * the handler names each task's candidates itself: the 非税 clerks of the region's finance bureau (through the
 * org directory's assignment resolution, with out-of-office agents), or the province's when a region has none.
 */
import type { Knex } from 'knex';
import type { ServiceHandler } from '../../engine/index.js';
import { financeBureauCode } from '../org/org-codes.js';
import { OrgDirectory } from '../org/org-directory.js';
import { resolveCandidates } from '../org/resolve-assignment.js';
import { chinaDate, isDate } from './china-date.js';

interface Deps {
  readonly knex: Knex;
  now(): number;
}

/** Kinds of difference, with the Chinese label the task shows. */
export const DIFF_KINDS = {
  BANK_NOTICE_AMOUNT: '银行到账金额与缴款书应缴金额不符',
  NOTICE_NO_BANK: '缴款书已缴但无银行到账记录',
  TREASURY_AMOUNT: '国库入库金额与实缴金额不符',
} as const;

type DiffKind = keyof typeof DIFF_KINDS;

interface Diff {
  kind: DiffKind;
  refKey: string;
  noticeNo: string | null;
  bankSerialNo: string | null;
  regionCode: string;
  expectedFen: number | null;
  actualFen: number | null;
}

export function reconciliationHandlers(deps: Deps): Record<string, ServiceHandler> {
  const { knex } = deps;
  const directory = new OrgDirectory(knex);
  const now = () => new Date(deps.now());

  /** The 非税 clerks of a region's bureau; the province's when the region has none. */
  async function candidatesFor(regionCode: string): Promise<string[]> {
    const at = now();
    for (const bureau of [financeBureauCode(regionCode), (await directory.provinceBureau())?.code]) {
      if (!bureau) continue;
      const found = await resolveCandidates(
        directory,
        { candidateRoles: ['clerk'], orgScope: `org:${bureau}`, divisionType: 'non_tax' },
        { initiator: '', initiatorOrgCode: bureau, at },
      );
      if (found.users.length > 0) return found.users;
    }
    throw new Error(`Nobody holds the 非税 clerk role in ${regionCode} or at the province`);
  }

  return {
    /** C7 对账: finds the day's differences and takes the unmatched money into 待查. */
    'nonTax.recon.compare': async (job) => {
      const asked = job.variables.reconDate;
      const reconDate = isDate(asked) ? asked : chinaDate(deps.now() - 86_400_000);
      const diffs = await findDiffs(knex, reconDate);
      if (diffs.length > 0) {
        await knex('nontax_recon_diffs')
          .insert(
            diffs.map((d) => ({
              recon_date: reconDate,
              kind: d.kind,
              ref_key: d.refKey,
              notice_no: d.noticeNo,
              bank_serial_no: d.bankSerialNo,
              region_code: d.regionCode,
              expected_fen: d.expectedFen,
              actual_fen: d.actualFen,
              instance_id: job.instanceId,
              status: 'open',
              created_at: now(),
            })),
          )
          .onConflict(['recon_date', 'kind', 'ref_key'])
          .ignore();
      }
      // the differences this run owns: found now, or by this run's earlier attempt
      const owned = (await knex('nontax_recon_diffs')
        .where({ instance_id: job.instanceId })
        .orderBy('id')) as Record<string, unknown>[];
      const mismatches = [];
      for (const r of owned) {
        mismatches.push({
          diffId: Number(r.id),
          kind: String(r.kind),
          kindLabel: DIFF_KINDS[r.kind as DiffKind] ?? String(r.kind),
          noticeNo: r.notice_no === null ? null : String(r.notice_no),
          bankSerialNo: r.bank_serial_no === null ? null : String(r.bank_serial_no),
          regionCode: String(r.region_code),
          expectedFen: r.expected_fen === null ? null : Number(r.expected_fen),
          actualFen: r.actual_fen === null ? null : Number(r.actual_fen),
          candidates: await candidatesFor(String(r.region_code)),
        });
      }

      // C6 待查: unmatched money of this day or before that no run has taken yet
      await knex('nontax_bank_records')
        .where({ status: 'unmatched' })
        .whereNull('suspense_instance_id')
        .where('account_date', '<=', reconDate)
        .update({ suspense_instance_id: job.instanceId, updated_at: now() });
      const taken = (await knex('nontax_bank_records')
        .where({ status: 'unmatched', suspense_instance_id: job.instanceId })
        .orderBy('bank_serial_no')) as Record<string, unknown>[];
      const suspenseItems = [];
      for (const r of taken) {
        const regionCode = r.region_code === null ? null : String(r.region_code);
        suspenseItems.push({
          bankSerialNo: String(r.bank_serial_no),
          paidFen: Number(r.amount_fen),
          paidAt: new Date(r.paid_at as string | Date).toISOString(),
          accountDate: String(r.account_date),
          payerName: r.payer_name === null ? null : String(r.payer_name),
          bankOrgCode: r.bank_org_code === null ? null : String(r.bank_org_code),
          givenPaymentCode: r.payment_code === null ? null : String(r.payment_code),
          regionCode,
          candidates: await candidatesFor(regionCode ?? '410000'),
        });
      }
      return {
        reconDate,
        mismatches,
        mismatchCount: mismatches.length,
        suspenseItems,
        suspenseCount: suspenseItems.length,
      };
    },

    /** After every 差错处理 task: the run's differences are handled (the 处理意见 is each task's comment). */
    'nonTax.recon.close': async (job) => {
      const handled = await knex('nontax_recon_diffs')
        .where({ instance_id: job.instanceId, status: 'open' })
        .update({ status: 'handled', handled_at: now() });
      return { handledCount: Number(handled) };
    },

    /**
     * 待查 → 退回付款人 (nonTaxIncomingPayment, started by the 待查 task's `nonTaxSuspenseReturned` message): the
     * record is closed as returned; the bank pays it back by the original channel.
     */
    'nonTax.suspense.markReturned': async (job) => {
      const serial = typeof job.variables.bankSerialNo === 'string' ? job.variables.bankSerialNo : null;
      if (!serial) throw new Error('The 待查 item has no bankSerialNo');
      await knex('nontax_bank_records')
        .where({ bank_serial_no: serial, status: 'unmatched' })
        .update({ status: 'returned', updated_at: now() });
      return {};
    },
  };
}

/** The differences of one day of account. */
async function findDiffs(knex: Knex, reconDate: string): Promise<Diff[]> {
  const diffs: Diff[] = [];
  // bank side: every matched record of the day against its notice's 应缴
  const bank = (await knex('nontax_bank_records as b')
    .join('nontax_notices as n', 'n.notice_no', 'b.notice_no')
    .where({ 'b.account_date': reconDate, 'b.status': 'matched' })
    .select('b.bank_serial_no', 'b.amount_fen', 'n.notice_no', 'n.payable_fen', 'n.region_code')) as Record<
    string,
    unknown
  >[];
  for (const r of bank) {
    if (Number(r.amount_fen) !== Number(r.payable_fen)) {
      diffs.push({
        kind: 'BANK_NOTICE_AMOUNT',
        refKey: String(r.bank_serial_no),
        noticeNo: String(r.notice_no),
        bankSerialNo: String(r.bank_serial_no),
        regionCode: String(r.region_code),
        expectedFen: Number(r.payable_fen),
        actualFen: Number(r.amount_fen),
      });
    }
  }
  // notice side: every notice paid that day has its bank record and, once cleared, its treasury entries
  const notices = (await knex('nontax_notices').where({ paid_date: reconDate })) as Record<string, unknown>[];
  for (const n of notices) {
    const noticeNo = String(n.notice_no);
    const serial = n.bank_serial_no === null ? null : String(n.bank_serial_no);
    const record = serial
      ? await knex('nontax_bank_records').where({ bank_serial_no: serial }).first()
      : undefined;
    if (!record) {
      diffs.push({
        kind: 'NOTICE_NO_BANK',
        refKey: noticeNo,
        noticeNo,
        bankSerialNo: serial,
        regionCode: String(n.region_code),
        expectedFen: Number(n.paid_fen),
        actualFen: null,
      });
    }
    if (!['cleared', 'written_off'].includes(String(n.status))) continue;
    const sum = (await knex('nontax_treasury_entries')
      .where({ notice_no: noticeNo })
      .sum({ total: 'amount_fen' })
      .first()) as { total: number | string | null } | undefined;
    const entered = Number(sum?.total ?? 0);
    if (entered !== Number(n.paid_fen)) {
      diffs.push({
        kind: 'TREASURY_AMOUNT',
        refKey: noticeNo,
        noticeNo,
        bankSerialNo: serial,
        regionCode: String(n.region_code),
        expectedFen: Number(n.paid_fen),
        actualFen: entered,
      });
    }
  }
  return diffs;
}
