/**
 * Checks variables that come in from outside (start, complete, job results) before they touch an instance.
 * Names must be identifiers FEEL can read; values must be JSON; amounts (names ending in `Fen`) are
 * integer 分, never fractions (DESIGN §2: FEEL never computes money).
 */
import { InvalidVariablesError } from '../errors.js';

const NAME = /^[A-Za-z_\p{Script=Han}][A-Za-z0-9_\p{Script=Han}]{0,127}$/u;
const RESERVED = new Set(['__proto__', 'constructor', 'prototype', 'null', 'true', 'false']);
/** Largest serialized value of one variable. */
export const MAX_VARIABLE_BYTES = 256 * 1024;

export function checkVariables(input: unknown, where: string): Record<string, unknown> {
  if (input === undefined || input === null) return Object.create(null);
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidVariablesError(
      `Expected the variables of ${where} to be an object of name → value, but got ${Array.isArray(input) ? 'an array' : typeof input}`,
    );
  }
  const checked: Record<string, unknown> = Object.create(null);
  for (const name of Object.keys(input)) {
    const value = (input as Record<string, unknown>)[name];
    if (!NAME.test(name) || RESERVED.has(name)) {
      throw new InvalidVariablesError(
        `Variable name "${name.slice(0, 80)}" in ${where} is not allowed: use letters, digits and _, starting with a letter or _`,
      );
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(value, (_key, v) => {
        if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint')
          throw new TypeError(typeof v);
        if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('a non-finite number');
        return v;
      });
    } catch (err) {
      throw new InvalidVariablesError(
        `Variable ${name} in ${where} is not JSON data (${(err as Error).message})`,
      );
    }
    if (json === undefined)
      throw new InvalidVariablesError(`Variable ${name} in ${where} has no value; use null to clear it`);
    if (json.length > MAX_VARIABLE_BYTES) {
      throw new InvalidVariablesError(
        `Variable ${name} in ${where} is ${json.length} bytes as JSON, more than the limit of ${MAX_VARIABLE_BYTES}`,
      );
    }
    if (name.endsWith('Fen') && value !== null && !Number.isSafeInteger(value)) {
      throw new InvalidVariablesError(
        `Variable ${name} in ${where} is an amount in 分 and must be a whole number, but got ${json.slice(0, 40)}`,
      );
    }
    checked[name] = JSON.parse(json);
  }
  return checked;
}
