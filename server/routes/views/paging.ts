/**
 * Camunda-style list parameters shared by the list routes: `firstResult`/`maxResults` paging (default 100,
 * capped at 1000), `sortOrder`, and the `{ count }` body of the `/count` siblings.
 */
import { z } from 'zod';

/** Largest page a list route returns; a larger `maxResults` is lowered to it. */
export const MAX_RESULTS = 1000;
export const DEFAULT_MAX_RESULTS = 100;

export const pagingQuery = {
  firstResult: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000_000)
    .default(0)
    .describe('Index of the first result (0-based)'),
  maxResults: z.coerce
    .number()
    .int()
    .min(1)
    .default(DEFAULT_MAX_RESULTS)
    .transform((n) => Math.min(n, MAX_RESULTS))
    .describe(`Page size (default ${DEFAULT_MAX_RESULTS}, at most ${MAX_RESULTS})`),
};

export const sortOrderQuery = z.enum(['asc', 'desc']).default('asc').describe('Sort direction');

/** `?flag=true|false` as a boolean (query strings carry text). */
export const booleanQuery = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

export const CountSchema = z.object({ count: z.number().int().min(0) }).describe('Count');

/** Epoch milliseconds → ISO-8601 (null stays null). */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** An ISO-8601 date-time in a query string → epoch milliseconds. */
export const dateTimeQuery = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), { message: 'expected an ISO-8601 date-time' })
  .transform((v) => Date.parse(v))
  .optional();

/** The slice of an in-memory list a page asks for. */
export function page<T>(items: readonly T[], query: { firstResult: number; maxResults: number }): T[] {
  return items.slice(query.firstResult, query.firstResult + query.maxResults);
}
