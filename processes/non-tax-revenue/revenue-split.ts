/**
 * 分成 (C5, domain.md §3.1): which budget level gets how many 分 of a non-tax amount. Pure functions, exact in
 * integer 分, so the split of a notice always sums to what was paid and a refund is split back the same way.
 *
 * Rules (README.md 「分成规则」):
 * - The item's shares are basis points for province / city / county (they sum to 10000, CHECKed in the table).
 * - A level that does not exist above the collecting unit folds into the collecting level: collected by a city,
 *   the county share is the city's; collected by the province, everything is the province's. For a 省直管县 the
 *   city takes no share: the setting `split.directCountyCityShareTo` gives it to the county or the province.
 * - Each level above the collecting level gets floor(amount × bp / 10000); the collecting level (本级) gets the
 *   rest, so the remainder of every integer division stays with the level that collected the money.
 */

/** A budget level (预算级次). */
export type BudgetLevel = 'province' | 'city' | 'county';

/** Shares in basis points (1/10000). */
export interface LevelShares {
  readonly province: number;
  readonly city: number;
  readonly county: number;
}

/** Where the money was collected: the level and the region code of each level that exists above it. */
export interface CollectionPlace {
  readonly level: BudgetLevel;
  /** Region codes by level: the collecting region and the regions above it (a county also has a city). */
  readonly regions: Partial<Record<BudgetLevel, string>>;
  /** A 省直管县 (its finance parent is the province). */
  readonly directlyAdministered: boolean;
}

/** One level's part of an amount. */
export interface LevelAmount {
  readonly level: BudgetLevel;
  readonly regionCode: string;
  readonly amountFen: number;
}

const ORDER: readonly BudgetLevel[] = ['province', 'city', 'county'];

/** True if the shares are whole, non-negative and sum to 10000. */
export function validShares(shares: LevelShares): boolean {
  const values = [shares.province, shares.city, shares.county];
  return (
    values.every((v) => Number.isSafeInteger(v) && v >= 0) && values.reduce((a, b) => a + b, 0) === 10_000
  );
}

/**
 * The shares as they apply at this place: levels that do not take part fold into the collecting level (or, for
 * a 省直管县's city share, into `directCityShareTo`).
 */
export function effectiveShares(
  shares: LevelShares,
  place: CollectionPlace,
  directCityShareTo: 'county' | 'province',
): LevelShares {
  const out: Record<BudgetLevel, number> = { province: 0, city: 0, county: 0 };
  for (const level of ORDER) {
    let target: BudgetLevel = level;
    if (ORDER.indexOf(level) > ORDER.indexOf(place.level)) target = place.level;
    else if (level === 'city' && place.level === 'county' && place.directlyAdministered)
      target = directCityShareTo;
    out[target] += shares[level];
  }
  return out;
}

/**
 * Splits `amountFen` by `shares` (already effective at `place`): each level above the collecting one gets the
 * floor of its share, the collecting level the rest. Levels with nothing are left out; the parts sum to the
 * amount exactly.
 */
export function splitAmount(amountFen: number, shares: LevelShares, place: CollectionPlace): LevelAmount[] {
  if (!Number.isSafeInteger(amountFen) || amountFen < 0) {
    throw new RangeError(`Expected a whole, non-negative amount in 分, but got ${amountFen}`);
  }
  if (!validShares(shares)) {
    throw new RangeError(`Expected shares summing to 10000 basis points, but got ${JSON.stringify(shares)}`);
  }
  const parts: LevelAmount[] = [];
  let given = 0;
  for (const level of ORDER) {
    if (level === place.level) continue;
    const bp = shares[level];
    if (bp === 0) continue;
    const part = mulDiv(amountFen, bp, 10_000);
    given += part;
    parts.push({ level, regionCode: regionOf(place, level), amountFen: part });
  }
  const own = amountFen - given;
  if (own > 0 || parts.length === 0)
    parts.push({ level: place.level, regionCode: regionOf(place, place.level), amountFen: own });
  return parts.sort((a, b) => ORDER.indexOf(a.level) - ORDER.indexOf(b.level));
}

/**
 * Splits a refund back over the levels in proportion to what each got: each level other than the collecting one
 * gives back floor(refund × its part / paid), the collecting level the rest. Never more than a level received.
 */
export function splitRefund(
  refundFen: number,
  received: readonly LevelAmount[],
  collectingLevel: BudgetLevel,
): LevelAmount[] {
  const paid = received.reduce((sum, r) => sum + r.amountFen, 0);
  if (!Number.isSafeInteger(refundFen) || refundFen <= 0 || refundFen > paid) {
    throw new RangeError(`Expected a refund between 1 and ${paid} 分, but got ${refundFen}`);
  }
  const parts: LevelAmount[] = [];
  let given = 0;
  const own = received.find((r) => r.level === collectingLevel);
  for (const r of received) {
    if (r === own) continue;
    const part = mulDiv(refundFen, r.amountFen, paid);
    given += part;
    parts.push({ ...r, amountFen: part });
  }
  const rest = refundFen - given;
  if (own) parts.push({ ...own, amountFen: rest });
  else if (rest > 0) {
    // nothing stayed at the collecting level: the rest comes from the largest part that can still give
    const donor = [...parts].sort((a, b) => b.amountFen - a.amountFen)[0]!;
    parts[parts.indexOf(donor)] = { ...donor, amountFen: donor.amountFen + rest };
  }
  return parts.filter((p) => p.amountFen > 0).sort((a, b) => ORDER.indexOf(a.level) - ORDER.indexOf(b.level));
}

/** The amount of a line: a fixed standard × quantity, or a rate of the base (rounded half up to the 分). */
export function lineAmount(
  item: { standardKind: 'fixed' | 'rate'; standardFen: number | null; rateBp: number | null },
  quantity: number,
  baseFen: number | null,
): number {
  if (item.standardKind === 'fixed') return item.standardFen! * quantity;
  if (baseFen === null || !Number.isSafeInteger(baseFen) || baseFen <= 0) {
    throw new RangeError('a rate item needs a whole, positive baseFen');
  }
  return Number((BigInt(baseFen) * BigInt(item.rateBp!) * BigInt(quantity) + 5_000n) / 10_000n);
}

/** floor(a × b / c) on whole numbers, exact beyond 2^53 for the product. */
function mulDiv(a: number, b: number, c: number): number {
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

function regionOf(place: CollectionPlace, level: BudgetLevel): string {
  const code = place.regions[level];
  if (!code) throw new Error(`No ${level} region above the collecting place`);
  return code;
}
