/**
 * Input limits for untrusted BPMN uploads, checked on the raw input before the XML parser sees it
 * (reliability.md §4.1: bpmn-moddle's cost grows with size, element count and nesting, and it never
 * rejects a DOCTYPE on its own).
 *
 * The checks are cheap and linear: a byte count, a fatal UTF-8 decode, a search for DTD markup, and one
 * iterative pass over the tags that stops at the first limit exceeded (50 000-deep nesting costs nothing).
 */
import type { Problem } from './problem.js';

export interface ModelLimits {
  /** Largest accepted file, in bytes (UTF-8). */
  readonly maxBytes: number;
  /** Most XML elements (including diagram elements) in one file. */
  readonly maxElements: number;
  /** Deepest element nesting. */
  readonly maxDepth: number;
}

export const DEFAULT_MODEL_LIMITS: ModelLimits = Object.freeze({
  maxBytes: 2 * 1024 * 1024,
  maxElements: 20_000,
  maxDepth: 200,
});

export const INPUT_LIMITS_RULE = 'input-limits';

/** The input passed every limit: `text` is the decoded document. */
export type LimitsCheck =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problems: Problem[] };

/** Fills unset limits with the defaults. */
export function resolveLimits(limits?: Partial<ModelLimits>): ModelLimits {
  return {
    maxBytes: limits?.maxBytes ?? DEFAULT_MODEL_LIMITS.maxBytes,
    maxElements: limits?.maxElements ?? DEFAULT_MODEL_LIMITS.maxElements,
    maxDepth: limits?.maxDepth ?? DEFAULT_MODEL_LIMITS.maxDepth,
  };
}

/**
 * Checks raw input (bytes or an already decoded string) against the limits: size, UTF-8, no DOCTYPE or
 * ENTITY declaration, element count and nesting depth. Returns the decoded text when all pass.
 */
export function checkInputLimits(input: string | Uint8Array, limits?: Partial<ModelLimits>): LimitsCheck {
  const { maxBytes, maxElements, maxDepth } = resolveLimits(limits);

  let text: string;
  if (typeof input === 'string') {
    const size = utf8Length(input);
    if (size === undefined) return fail('BPMN text is not valid Unicode (it contains an unpaired surrogate)');
    if (size > maxBytes) return { ok: false, problems: [oversizeProblem(size, maxBytes)] };
    text = input;
  } else {
    if (input.byteLength > maxBytes)
      return { ok: false, problems: [oversizeProblem(input.byteLength, maxBytes)] };
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return fail('BPMN file is not valid UTF-8; save it with UTF-8 encoding');
    }
  }

  if (/<!\s*(?:DOCTYPE|ENTITY)/i.test(text)) {
    return fail('DOCTYPE and entity declarations are not allowed');
  }

  const scan = scanTags(text, maxElements, maxDepth);
  if (scan === 'elements') return fail(`BPMN file has more than ${maxElements} XML elements, the limit`);
  if (scan === 'depth')
    return fail(`BPMN file nests XML elements more than ${maxDepth} levels deep, the limit`);
  return { ok: true, text };
}

/** The problem for a file of `bytes` bytes over `maxBytes` (also used by callers that only know the file size). */
export function oversizeProblem(bytes: number, maxBytes: number): Problem {
  return problem(`BPMN file is ${bytes} bytes, more than the limit of ${maxBytes} bytes`);
}

// helpers //////

function fail(message: string): LimitsCheck {
  return { ok: false, problems: [problem(message)] };
}

function problem(message: string): Problem {
  return { elementId: '-', elementType: '-', rule: INPUT_LIMITS_RULE, message };
}

/** UTF-8 length of a string without allocating it; undefined when the string has an unpaired surrogate. */
function utf8Length(text: string): number | undefined {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return undefined;
      bytes += 4;
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) return undefined;
    else bytes += 3;
  }
  return bytes;
}

/**
 * One pass over the markup counting start tags and tracking depth. Comments, CDATA and processing
 * instructions are skipped; quoted attribute values may contain `>`. Malformed markup is left for the parser.
 */
function scanTags(text: string, maxElements: number, maxDepth: number): 'ok' | 'elements' | 'depth' {
  let elements = 0;
  let depth = 0;
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    const next = text.charCodeAt(i + 1);
    if (text.startsWith('<!--', i)) {
      i = skipPast(text, '-->', i + 4);
    } else if (text.startsWith('<![CDATA[', i)) {
      i = skipPast(text, ']]>', i + 9);
    } else if (next === 0x3f /* ? */ || next === 0x21 /* ! */) {
      i = skipPast(text, '>', i + 2);
    } else if (next === 0x2f /* / */) {
      if (depth > 0) depth--; // a stray end tag is the parser's to report; never let it buy extra depth
      i = skipPast(text, '>', i + 2);
    } else if (isNameStart(next)) {
      const end = tagEnd(text, i + 1);
      if (end === -1) return 'ok';
      elements++;
      if (elements > maxElements) return 'elements';
      const broken = text.charCodeAt(end) === 0x3c; /* < : malformed tag, still counted as open */
      if (broken || text.charCodeAt(end - 1) !== 0x2f /* / */) {
        depth++;
        if (depth > maxDepth) return 'depth';
      }
      i = broken ? end : end + 1;
    } else {
      i++;
    }
    if (i === -1) return 'ok';
    i = text.indexOf('<', i);
  }
  return 'ok';
}

/** Index just after `token` at or after `from`, or -1. */
function skipPast(text: string, token: string, from: number): number {
  const at = text.indexOf(token, from);
  return at === -1 ? -1 : at + token.length;
}

/** Index of the `>` closing a start tag (skipping quoted attribute values), of a stray `<` inside it, or -1. */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === 0x22 || code === 0x27) {
      quote = code;
    } else if (code === 0x3e /* > */) {
      return i;
    } else if (code === 0x3c /* < */) {
      return i; // `<` cannot appear in a tag: malformed, the parser reports it; keep scanning from here
    }
  }
  return -1;
}

function isNameStart(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f ||
    code === 0x3a ||
    code > 0x7f
  );
}
