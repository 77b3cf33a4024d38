/**
 * Seeds the org directory with Henan's reference structure: every region (province, 18 prefecture-level units,
 * their county-level units), each region's finance bureau and its standard divisions, the finance parents
 * (省直管县 → the province bureau), and with `demo` the demo departments, budget units, banks and users of
 * henan-demo.ts. Idempotent: rows whose key already exists are left as they are (an operator may have edited
 * them), so re-running only adds what is missing. Rows go in as multi-row inserts in one transaction.
 */
import type { Knex } from 'knex';
import { FINANCE_BUREAU_NAMES, FINANCE_DIVISIONS } from './finance-divisions.js';
import { HENAN_CODES_VINTAGE, HENAN_PREFECTURES, HENAN_PROVINCE } from './henan.js';
import { HENAN_DEMO_ADMIN, HENAN_DEMO_POSTS, HENAN_DEMO_REGIONS, type DemoPostOrg } from './henan-demo.js';
import type { Org, OrgLevel, OrgUser, UserRole } from './org.js';
import {
  bankCode,
  budgetUnitCode,
  childPath,
  departmentCode,
  divisionCode,
  financeBureauCode,
} from './org-codes.js';
import { orgToRow, userRoleToRow, userToRow, type Row } from './org-rows.js';
import { ROLE_LABELS } from './roles.js';

/** What to seed. */
export interface SeedOrgDirectoryOptions {
  /** Also seed the demo departments, budget units, banks and users. */
  readonly demo?: boolean;
  /** `created_at` of seeded users (default: now). */
  readonly now?: Date;
}

/** The rows a seed consists of, before they are written. */
export interface OrgDirectoryPlan {
  readonly orgs: readonly Org[];
  readonly users: readonly OrgUser[];
  readonly roles: readonly UserRole[];
}

/** How many rows a seed run inserted (0 everywhere on a re-run). */
export interface SeedResult {
  readonly orgs: number;
  readonly users: number;
  readonly roles: number;
}

/** Seeded regions are valid from the start of the code list's year; earlier code history is not recorded. */
export const SEED_VALID_FROM = Date.UTC(HENAN_CODES_VINTAGE, 0, 1);

/** Inserts the missing directory rows; returns how many of each were inserted. */
export async function seedOrgDirectory(
  knex: Knex,
  options: SeedOrgDirectoryOptions = {},
): Promise<SeedResult> {
  const plan = planOrgDirectory(options);
  return knex.transaction(async (trx) => ({
    orgs: await insertMissing(trx, 'orgs', ['code'], plan.orgs.map(orgToRow)),
    users: await insertMissing(trx, 'users', ['id'], plan.users.map(userToRow)),
    roles: await insertMissing(
      trx,
      'user_roles',
      ['user_id', 'role', 'org_code'],
      plan.roles.map(userRoleToRow),
    ),
  }));
}

/** The full seed as records, computed without touching the database. */
export function planOrgDirectory(options: SeedOrgDirectoryOptions = {}): OrgDirectoryPlan {
  const orgs: Org[] = [];
  const province = region(HENAN_PROVINCE.code, HENAN_PROVINCE.name, stripSuffix(HENAN_PROVINCE.name, '省'), {
    level: 'province',
    parent: null,
    financeParentCode: null,
  });
  orgs.push(province, ...financeBureauWithDivisions(province));
  const provinceBureau = financeBureauCode(province.code);

  for (const prefecture of HENAN_PREFECTURES) {
    const city = region(prefecture.code, prefecture.name, stripSuffix(prefecture.name, '市'), {
      level: 'city',
      parent: province,
      financeParentCode: provinceBureau,
    });
    orgs.push(city, ...financeBureauWithDivisions(city));
    for (const county of prefecture.counties) {
      const countyRegion = region(county.code, county.name, county.name, {
        level: 'county',
        parent: city,
        // 省直管县: the code stays under the city, finance goes straight to the province (§4.2)
        financeParentCode: county.directlyAdministered ? provinceBureau : financeBureauCode(city.code),
        directlyAdministered: county.directlyAdministered === true,
      });
      orgs.push(countyRegion, ...financeBureauWithDivisions(countyRegion));
    }
  }

  if (!options.demo) return { orgs, users: [], roles: [] };
  const demo = planDemo(orgs, (options.now ?? new Date()).getTime());
  return { orgs: [...orgs, ...demo.orgs], users: demo.users, roles: demo.roles };
}

// helpers //////

const INSERT_CHUNK = 500;

/** Inserts the rows whose key is not in the table yet, in chunks; returns how many were inserted. */
async function insertMissing(
  trx: Knex.Transaction,
  table: string,
  keyColumns: readonly string[],
  rows: readonly Row[],
): Promise<number> {
  const keyOf = (r: Row) => keyColumns.map((c) => String(r[c])).join('\u0000');
  const existing = new Set((await trx(table).select(...keyColumns)).map((r: Row) => keyOf(r)));
  const missing = rows.filter((r) => !existing.has(keyOf(r)));
  for (let i = 0; i < missing.length; i += INSERT_CHUNK) {
    // a concurrent seeder may have inserted some meanwhile: ignore those instead of failing the seed
    await trx(table)
      .insert(missing.slice(i, i + INSERT_CHUNK))
      .onConflict([...keyColumns])
      .ignore();
  }
  return missing.length;
}

function region(
  code: string,
  name: string,
  shortName: string,
  at: {
    level: OrgLevel;
    parent: Org | null;
    financeParentCode: string | null;
    directlyAdministered?: boolean;
  },
): Org {
  return {
    code,
    name,
    shortName,
    kind: 'region',
    level: at.level,
    parentCode: at.parent?.code ?? null,
    financeParentCode: at.financeParentCode,
    divisionType: null,
    path: childPath(at.parent?.path ?? null, code),
    validFrom: SEED_VALID_FROM,
    validTo: null,
    isDirectlyAdministered: at.directlyAdministered ?? false,
  };
}

/** The region's bureau (same finance parent as the region) and its standard divisions. */
function financeBureauWithDivisions(regionOrg: Org): Org[] {
  const bureauName = FINANCE_BUREAU_NAMES[regionOrg.level];
  const bureau = child(regionOrg, financeBureauCode(regionOrg.code), {
    kind: 'finance_bureau',
    name: `${regionOrg.name}${bureauName}`,
    shortName: bureauName,
    financeParentCode: regionOrg.financeParentCode,
  });
  return [
    bureau,
    ...FINANCE_DIVISIONS.map((d) =>
      child(bureau, divisionCode(regionOrg.code, d.suffix), {
        kind: 'division',
        name: `${bureau.name}${d.names[regionOrg.level]}`,
        shortName: d.names[regionOrg.level],
        divisionType: d.type,
      }),
    ),
  ];
}

function child(
  parent: Org,
  code: string,
  fields: Pick<Org, 'kind' | 'name' | 'shortName'> & Partial<Org>,
): Org {
  return {
    level: parent.level,
    parentCode: parent.code,
    financeParentCode: null,
    divisionType: null,
    path: childPath(parent.path, code),
    validFrom: SEED_VALID_FROM,
    validTo: null,
    isDirectlyAdministered: false,
    ...fields,
    code,
  };
}

function planDemo(reference: readonly Org[], now: number): OrgDirectoryPlan {
  const byCode = new Map(reference.map((o) => [o.code, o]));
  const orgs: Org[] = [];
  const users: OrgUser[] = [];
  const roles: UserRole[] = [];

  for (const demo of HENAN_DEMO_REGIONS) {
    const regionOrg = byCode.get(demo.regionCode);
    if (!regionOrg)
      throw new Error(`Expected demo region ${demo.regionCode} in the reference data, but it is missing`);
    const department = child(regionOrg, departmentCode(regionOrg.code, demo.department.suffix), {
      kind: 'department',
      name: demo.department.name,
      shortName: demo.department.shortName,
    });
    const units = demo.budgetUnits.map((u, i) =>
      child(department, budgetUnitCode(department.code, i + 1), {
        kind: 'budget_unit',
        name: u.name,
        shortName: u.shortName,
      }),
    );
    const bank = child(regionOrg, bankCode(regionOrg.code, demo.bank.bankClass), {
      kind: 'bank',
      name: demo.bank.name,
      shortName: demo.bank.shortName,
    });
    orgs.push(department, ...units, bank);
    for (const o of [department, ...units, bank]) byCode.set(o.code, o);

    for (const post of HENAN_DEMO_POSTS) {
      const orgCode = postOrgCode(regionOrg.code, department, bank, post.org);
      const org = byCode.get(orgCode);
      if (!org) throw new Error(`Expected org ${orgCode} for demo post ${post.key}, but it is not seeded`);
      const id = `${demo.slug}.${post.key}`;
      users.push({
        id,
        name: `${org.name}${ROLE_LABELS[post.roles[0]!]}`,
        orgCode,
        disabled: false,
        createdAt: now,
      });
      roles.push(...post.roles.map((role) => ({ userId: id, role, orgCode })));
    }
  }

  const adminOrg = financeBureauCode(HENAN_DEMO_ADMIN.regionCode);
  users.push({
    id: HENAN_DEMO_ADMIN.id,
    name: '系统管理员',
    orgCode: adminOrg,
    disabled: false,
    createdAt: now,
  });
  roles.push(
    ...HENAN_DEMO_ADMIN.roles.map((role) => ({ userId: HENAN_DEMO_ADMIN.id, role, orgCode: adminOrg })),
  );
  return { orgs, users, roles };
}

function postOrgCode(regionCode: string, department: Org, bank: Org, org: DemoPostOrg): string {
  switch (org.kind) {
    case 'bureau':
      return financeBureauCode(regionCode);
    case 'division':
      return divisionCode(regionCode, org.suffix);
    case 'department':
      return department.code;
    case 'budgetUnit':
      return budgetUnitCode(department.code, org.serial);
    case 'bank':
      return bank.code;
  }
}

function stripSuffix(name: string, suffix: string): string {
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}
