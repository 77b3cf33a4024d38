/**
 * The org code scheme. Regions keep their 6-digit administrative division code; every other org's code starts
 * with its region's code and adds `-`-separated segments, so the region of any org is readable from its code
 * and codes never collide across regions:
 *
 * | org                         | code                          | example            |
 * |-----------------------------|-------------------------------|--------------------|
 * | region (省/市/县/区)         | MCA code                      | `410122` 中牟县     |
 * | finance bureau (财政厅/局)   | `<region>-CZ`                 | `410122-CZ`        |
 * | bureau division (处/科/股)   | `<region>-CZ-<division>`      | `410122-CZ-GK`     |
 * | department (主管部门)        | `<region>-BM-<department>`    | `410122-BM-JY`     |
 * | budget unit (预算单位)       | `<department>-<nnn>`          | `410122-BM-JY-001` |
 * | agency bank (代理银行)       | `<region>-YH-<bank class>`    | `410122-YH-102`    |
 * | PBOC treasury (人民银行国库) | `<region>-RHGK`               | `410122-RHGK`      |
 *
 * Division suffixes are level-neutral (`GK` is 国库处 at the province, 国库科 in a city, 国库股 in a county; see
 * `finance-divisions.ts`), so a rule can name "the treasury division" at any level. Department suffixes are
 * short pinyin initials (`JY` 教育); budget units are numbered within their department; banks use the
 * CNAPS bank class (`102` 中国工商银行). Codes use only `0-9`, `A-Z` and `-` (at most 32 characters), so
 * they are safe in `/`-delimited paths and in LIKE patterns.
 */

/** Segment marking a region's finance bureau (财政). */
export const FINANCE_BUREAU_SEGMENT = 'CZ';
/** Segment marking a department (部门). */
export const DEPARTMENT_SEGMENT = 'BM';
/** Segment marking an agency bank (银行). */
export const BANK_SEGMENT = 'YH';
/** Segment marking the PBOC treasury (人行国库). */
export const PBOC_TREASURY_SEGMENT = 'RHGK';

const ORG_CODE = /^[0-9A-Z]+(-[0-9A-Z]+)*$/;
const REGION_CODE = /^\d{6}$/;

/** True if `code` follows the scheme's alphabet and length (not whether the org exists). */
export function isOrgCode(code: string): boolean {
  return code.length <= 32 && ORG_CODE.test(code);
}

/** The region code an org code starts with, e.g. `410122` for `410122-CZ-GK`. */
export function regionCodeOf(code: string): string {
  return code.split('-', 1)[0]!;
}

/** The finance bureau of a region: `410122` → `410122-CZ`. */
export function financeBureauCode(regionCode: string): string {
  return `${checkRegion(regionCode)}-${FINANCE_BUREAU_SEGMENT}`;
}

/** A division of a region's finance bureau: (`410122`, `GK`) → `410122-CZ-GK`. */
export function divisionCode(regionCode: string, divisionSuffix: string): string {
  return checked(`${financeBureauCode(regionCode)}-${divisionSuffix}`);
}

/** A department (主管部门) of a region: (`410122`, `JY`) → `410122-BM-JY`. */
export function departmentCode(regionCode: string, departmentSuffix: string): string {
  return checked(`${checkRegion(regionCode)}-${DEPARTMENT_SEGMENT}-${departmentSuffix}`);
}

/** A budget unit numbered within its department: (`410122-BM-JY`, 1) → `410122-BM-JY-001`. */
export function budgetUnitCode(departmentCode: string, serial: number): string {
  if (!Number.isInteger(serial) || serial < 1 || serial > 999) {
    throw new Error(`Expected a budget unit serial between 1 and 999, but got ${serial}`);
  }
  return checked(`${departmentCode}-${String(serial).padStart(3, '0')}`);
}

/** An agency bank branch of a region by CNAPS bank class: (`410122`, `102`) → `410122-YH-102`. */
export function bankCode(regionCode: string, bankClass: string): string {
  return checked(`${checkRegion(regionCode)}-${BANK_SEGMENT}-${bankClass}`);
}

/** The PBOC treasury (国库/中心支库) serving a region: `410122` → `410122-RHGK`. */
export function pbocTreasuryCode(regionCode: string): string {
  return `${checkRegion(regionCode)}-${PBOC_TREASURY_SEGMENT}`;
}

/** The materialised path of an org: its parent's path plus its own code (`/410000/410100/`). */
export function childPath(parentPath: string | null, code: string): string {
  return `${parentPath ?? '/'}${checked(code)}/`;
}

/** The codes on a path, root first: `/410000/410100/` → [`410000`, `410100`]. */
export function pathCodes(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

// helpers //////

function checkRegion(code: string): string {
  if (!REGION_CODE.test(code)) throw new Error(`Expected a 6-digit region code, but got "${code}"`);
  return code;
}

function checked(code: string): string {
  if (!isOrgCode(code)) {
    throw new Error(`Expected an org code of 0-9, A-Z and '-' (at most 32 characters), but got "${code}"`);
  }
  return code;
}
