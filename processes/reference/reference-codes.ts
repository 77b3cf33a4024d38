/**
 * Reads and edits the reference codes (`reference_codes`), with a small in-process cache: the lists are short,
 * read on every form submission and picker, and change rarely, so each list is loaded whole and kept for
 * `ttlMs` (another API process sees an admin's edit within that time; this process at once). One instance per
 * database (`referenceCodesFor(knex)`), so every route and check of a server shares the cache.
 */
import type { Knex } from 'knex';
import { REFERENCE_LIST_INFO, REFERENCE_LISTS, type ReferenceListName } from './reference-lists.js';

export interface ReferenceCode {
  readonly list: ReferenceListName;
  readonly code: string;
  readonly name: string;
  readonly parentCode: string | null;
  readonly description: string | null;
  readonly sort: number;
  readonly needsVerification: boolean;
  /** Epoch ms; null = valid since always. */
  readonly validFrom: number | null;
  /** Epoch ms; null = still valid. A code is retired from validTo on. */
  readonly validTo: number | null;
}

export interface ReferenceListSummary {
  readonly list: ReferenceListName;
  readonly name: string;
  readonly description: string;
  readonly hierarchical: boolean;
  /** Codes valid now. */
  readonly count: number;
}

export interface CodeFilter {
  /** Only the children of this code; `''` for the top level. */
  readonly parentCode?: string;
  /** Code prefix or a part of the name. */
  readonly q?: string;
  /** Include codes not valid at `at` (retired or not yet valid). */
  readonly includeRetired?: boolean;
}

export interface NewReferenceCode {
  readonly code: string;
  readonly name: string;
  readonly parentCode?: string | null;
  readonly description?: string | null;
  readonly sort?: number;
  readonly validFrom?: number | null;
  readonly validTo?: number | null;
}

export type ReferenceCodePatch = Partial<Omit<NewReferenceCode, 'code'>>;

/** A write the data refuses: which field, and why (the route turns it into a 400/404/409). */
export class ReferenceCodeError extends Error {
  constructor(
    readonly reason: 'EXISTS' | 'NOT_FOUND' | 'UNKNOWN_PARENT',
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReferenceCodeError';
  }
}

const DEFAULT_TTL_MS = 60_000;

export class ReferenceCodes {
  private readonly cache = new Map<ReferenceListName, { loadedAt: number; codes: ReferenceCode[] }>();

  constructor(
    private readonly knex: Knex,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  /** Every list with its Chinese name and the number of codes valid at `at`. */
  async lists(at: number): Promise<ReferenceListSummary[]> {
    const result: ReferenceListSummary[] = [];
    for (const list of REFERENCE_LISTS) {
      const info = REFERENCE_LIST_INFO[list];
      const count = (await this.all(list)).filter((c) => isValidAt(c, at)).length;
      result.push({ list, ...info, count });
    }
    return result;
  }

  /** The codes of a list in display order, filtered. */
  async codes(list: ReferenceListName, at: number, filter: CodeFilter = {}): Promise<ReferenceCode[]> {
    const q = filter.q?.trim();
    return (await this.all(list)).filter(
      (c) =>
        (filter.includeRetired || isValidAt(c, at)) &&
        (filter.parentCode === undefined || (c.parentCode ?? '') === filter.parentCode) &&
        (!q || c.code.startsWith(q) || c.name.includes(q)),
    );
  }

  /** The code, valid or not; undefined if the list never had it. */
  async find(list: ReferenceListName, code: string): Promise<ReferenceCode | undefined> {
    return (await this.all(list)).find((c) => c.code === code);
  }

  /** The subset of `codes` not valid in `list` at `at` (unknown or retired). */
  async invalidCodes(list: ReferenceListName, codes: readonly string[], at: number): Promise<string[]> {
    const valid = new Set((await this.all(list)).filter((c) => isValidAt(c, at)).map((c) => c.code));
    return codes.filter((c) => !valid.has(c));
  }

  async create(list: ReferenceListName, input: NewReferenceCode, now: number): Promise<ReferenceCode> {
    await this.checkParent(list, input.code, input.parentCode ?? null);
    const existing = await this.knex('reference_codes').where({ list, code: input.code }).first();
    if (existing)
      throw new ReferenceCodeError('EXISTS', 'body.code', `Code ${input.code} already exists in ${list}`);
    const sort =
      input.sort ??
      Number((await this.knex('reference_codes').where({ list }).max({ m: 'sort' }).first())?.m ?? 0) + 10;
    try {
      await this.knex('reference_codes').insert({
        list,
        code: input.code,
        name: input.name,
        parent_code: input.parentCode ?? null,
        description: input.description ?? null,
        sort,
        needs_verification: false,
        valid_from: toDate(input.validFrom),
        valid_to: toDate(input.validTo),
        updated_at: new Date(now),
      });
    } catch (err) {
      // a concurrent create of the same code lost the race on the primary key
      if (await this.knex('reference_codes').where({ list, code: input.code }).first())
        throw new ReferenceCodeError('EXISTS', 'body.code', `Code ${input.code} already exists in ${list}`);
      throw err;
    }
    this.cache.delete(list);
    return (await this.find(list, input.code))!;
  }

  /** Renames, moves, re-orders, retires (validTo) or reinstates (validTo null) a code. */
  async update(
    list: ReferenceListName,
    code: string,
    patch: ReferenceCodePatch,
    now: number,
  ): Promise<ReferenceCode> {
    if (patch.parentCode !== undefined) await this.checkParent(list, code, patch.parentCode);
    const row: Record<string, unknown> = { updated_at: new Date(now) };
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.parentCode !== undefined) row.parent_code = patch.parentCode;
    if (patch.description !== undefined) row.description = patch.description;
    if (patch.sort !== undefined) row.sort = patch.sort;
    if (patch.validFrom !== undefined) row.valid_from = toDate(patch.validFrom);
    if (patch.validTo !== undefined) row.valid_to = toDate(patch.validTo);
    // an admin's edit is a checked value
    if (patch.name !== undefined) row.needs_verification = false;
    const changed = await this.knex('reference_codes').where({ list, code }).update(row);
    this.cache.delete(list);
    if (!changed) throw new ReferenceCodeError('NOT_FOUND', 'params.code', `No code ${code} in ${list}`);
    return (await this.find(list, code))!;
  }

  /** Forgets the cached lists (after a re-seed, or in tests). */
  invalidate(): void {
    this.cache.clear();
  }

  private async checkParent(list: ReferenceListName, code: string, parentCode: string | null) {
    if (parentCode === null) return;
    if (
      parentCode === code ||
      !(await this.knex('reference_codes').where({ list, code: parentCode }).first())
    )
      throw new ReferenceCodeError(
        'UNKNOWN_PARENT',
        'body.parentCode',
        `Parent ${parentCode} is not a code of ${list}`,
      );
  }

  private async all(list: ReferenceListName): Promise<ReferenceCode[]> {
    const cached = this.cache.get(list);
    if (cached && Date.now() - cached.loadedAt < this.ttlMs) return cached.codes;
    const rows = await this.knex('reference_codes')
      .where({ list })
      .orderBy([
        { column: 'sort', order: 'asc' },
        { column: 'code', order: 'asc' },
      ]);
    const codes = rows.map((r: Record<string, unknown>) => fromRow(list, r));
    this.cache.set(list, { loadedAt: Date.now(), codes });
    return codes;
  }
}

const instances = new WeakMap<Knex, ReferenceCodes>();

/** The shared ReferenceCodes of a database. */
export function referenceCodesFor(knex: Knex): ReferenceCodes {
  let codes = instances.get(knex);
  if (!codes) {
    codes = new ReferenceCodes(knex);
    instances.set(knex, codes);
  }
  return codes;
}

export function isValidAt(code: ReferenceCode, at: number): boolean {
  return (code.validFrom === null || code.validFrom <= at) && (code.validTo === null || at < code.validTo);
}

function fromRow(list: ReferenceListName, r: Record<string, unknown>): ReferenceCode {
  return {
    list,
    code: String(r.code),
    name: String(r.name),
    parentCode: r.parent_code === null || r.parent_code === undefined ? null : String(r.parent_code),
    description: r.description === null || r.description === undefined ? null : String(r.description),
    sort: Number(r.sort),
    needsVerification: Boolean(Number(r.needs_verification)),
    validFrom: toTime(r.valid_from),
    validTo: toTime(r.valid_to),
  };
}

/** DATETIME(3) comes back as a Date on MySQL and as epoch ms on SQLite. */
function toTime(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  const n = Number(value);
  return Number.isFinite(n) ? n : Date.parse(String(value));
}

function toDate(ms: number | null | undefined): Date | null {
  return ms === null || ms === undefined ? null : new Date(ms);
}
