/**
 * Where an instance's money is collected: the initiator (read from the engine's instance row: the handler
 * context carries only the instance id) and their unit, the unit's finance bureau and budget level, and the
 * region codes of the levels above it (for the split and for 上报 to the upper finance bureau). The org tree
 * is the org directory's (processes/org/).
 */
import type { Knex } from 'knex';
import { OrgDirectory } from '../org/org-directory.js';
import { pathCodes } from '../org/org-codes.js';
import type { BudgetLevel, CollectionPlace } from './revenue-split.js';

/** A collecting unit with its place. */
export interface UnitPlace extends CollectionPlace {
  readonly unitOrgCode: string;
  readonly regionCode: string;
  /** The finance bureau of the unit's level (`410122-CZ`). */
  readonly bureauCode: string;
}

/** The user who started an instance, or throws (every process here is started by a person). */
export async function initiatorOf(knex: Knex, instanceId: string): Promise<string> {
  const row = (await knex('process_instances').where({ id: instanceId }).first('initiator')) as
    { initiator: string | null } | undefined;
  if (!row?.initiator) throw new Error(`Instance ${instanceId} has no initiator`);
  return row.initiator;
}

/** The org of a user, or throws. */
export async function orgOfUser(directory: OrgDirectory, userId: string): Promise<string> {
  const user = await directory.getUser(userId);
  if (!user) throw new Error(`User ${userId} is not in the org directory`);
  return user.orgCode;
}

/** The place of a unit: its finance bureau's level and the regions above it. */
export async function placeOfUnit(directory: OrgDirectory, unitOrgCode: string): Promise<UnitPlace> {
  const bureau = await directory.financeBureauOf(unitOrgCode);
  if (!bureau?.parentCode) throw new Error(`Org ${unitOrgCode} has no finance bureau`);
  const region = await directory.getOrg(bureau.parentCode);
  if (!region) throw new Error(`Region ${bureau.parentCode} is missing`);
  const path = pathCodes(region.path);
  const level: BudgetLevel = region.level;
  const regions: Partial<Record<BudgetLevel, string>> = { [level]: region.code };
  if (level !== 'province') regions.province = path[0]!;
  if (level === 'county') regions.city = path[path.length - 2]!;
  return {
    unitOrgCode,
    regionCode: region.code,
    bureauCode: bureau.code,
    level,
    regions,
    directlyAdministered: region.isDirectlyAdministered,
  };
}
