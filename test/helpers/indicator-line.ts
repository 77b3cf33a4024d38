/** The budget indicator line the ledger and chaos tests register (a county school's equipment project). */
import type { NewIndicator } from '../../processes/treasury-payment/indicator-ledger.js';

export const TEST_INDICATOR_LINE: Omit<NewIndicator, 'allocatedFen'> = {
  fiscalYear: 2026,
  mofDivCode: '410122',
  agencyCode: '410122-BM-JY-001',
  proCode: '41012226000001',
  proName: '教学设备购置',
  expFuncCode: '2050203',
  ecoCode: '31002',
  fundTypeCode: 'general_public',
  isDirectFund: false,
  bgtDocNo: '牟财预〔2026〕1号',
};
