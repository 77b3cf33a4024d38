/**
 * XML → bpmn-moddle definitions, for untrusted input: input limits first (limits.ts), then bpmn-moddle with
 * the `fiscal` extension. Never throws for bad input; everything wrong becomes a Problem.
 *
 * bpmn-moddle reports unknown elements, unknown attributes, duplicate ids and unresolved references only as
 * warnings and keeps going (reliability.md §4.1), so every warning is a problem (rule `parser-warnings`):
 * a model the parser had to guess about is never deployed.
 */
// @ts-expect-error -- bpmn-moddle 10 ships types for its model (bpmn-moddle/types) but none for its entry point
import { BpmnModdle } from 'bpmn-moddle';

import fiscalDescriptor from './fiscal.moddle.json' with { type: 'json' };
import { type ModelLimits, checkInputLimits } from './limits.js';
import type { Problem } from './problem.js';
import type { BpmnElement } from './rules/rule.js';

export const XML_PARSE_RULE = 'xml-parse';
export const PARSER_WARNINGS_RULE = 'parser-warnings';

/** Longest message we copy from the parser (it may quote the input). */
const MAX_MESSAGE_LENGTH = 400;

/** Parsed definitions (a `bpmn:Definitions` moddle element), or undefined when the input could not be read. */
export interface ParseResult {
  readonly definitions: BpmnElement | undefined;
  readonly problems: Problem[];
}

/** Parses a BPMN file under the input limits; `problems` is empty only for a clean parse. */
export async function parseBpmn(
  input: string | Uint8Array,
  limits?: Partial<ModelLimits>,
): Promise<ParseResult> {
  const checked = checkInputLimits(input, limits);
  if (!checked.ok) return { definitions: undefined, problems: checked.problems };
  const { text } = checked;
  if (text.trim() === '') return fatal('BPMN file is empty');

  let result: ModdleParseResult;
  try {
    result = await moddle().fromXML(text, 'bpmn:Definitions');
  } catch (err) {
    return fatal(rejectionMessage(err, text));
  }

  const definitions = result.rootElement;
  if (!isElement(definitions) || definitions.$type !== 'bpmn:Definitions') {
    return fatal('the document root is not bpmn:definitions');
  }
  const warnings = (Array.isArray(result.warnings) ? result.warnings : []).filter(
    (warning) => !isHarmlessEncodingWarning(warning, text),
  );
  return { definitions, problems: warnings.map((warning) => warningProblem(warning, text)) };
}

// helpers //////

/**
 * Files from other modelers often declare `encoding="ISO-8859-1"`; the parser reads UTF-8 and warns. When
 * every character is ASCII the two encodings agree byte for byte, so the declaration changes nothing.
 */
function isHarmlessEncodingWarning(warning: ModdleWarning, text: string): boolean {
  const message = typeof warning.message === 'string' ? warning.message : '';
  return /unsupported document encoding/i.test(message) && /^[\x00-\x7f]*$/.test(text);
}

interface ModdleWarning {
  readonly message?: unknown;
  readonly element?: unknown;
  readonly property?: unknown;
}

interface ModdleParseResult {
  readonly rootElement: unknown;
  readonly warnings: readonly ModdleWarning[];
}

interface Moddle {
  fromXML(xml: string, typeName: string): Promise<ModdleParseResult>;
}

let shared: Moddle | undefined;

/** One moddle instance (type registry) for all parses; parsing does not change it. */
function moddle(): Moddle {
  shared ??= new BpmnModdle({ fiscal: fiscalDescriptor }) as Moddle;
  return shared;
}

function fatal(message: string): ParseResult {
  return {
    definitions: undefined,
    problems: [{ elementId: '-', elementType: '-', rule: XML_PARSE_RULE, message }],
  };
}

/** The message of a fromXML rejection, with the first warning's detail when it explains more. */
function rejectionMessage(err: unknown, text: string): string {
  const raw = err instanceof Error ? err.message : String(err);
  const message = describeParserMessage(raw, text).message;
  const warnings = (err as { warnings?: unknown } | null)?.warnings;
  if (Array.isArray(warnings) && warnings.length > 0) {
    const first = describeParserMessage(String((warnings[0] as ModdleWarning).message ?? ''), text);
    return clip(`${message}: ${first.message}`);
  }
  return clip(message);
}

/** Turns one moddle warning into a problem naming the element when the warning (or the source) tells us which. */
function warningProblem(warning: ModdleWarning, text: string): Problem {
  const raw = typeof warning.message === 'string' ? warning.message : 'parser warning';
  const element = isElement(warning.element) ? warning.element : undefined;
  if (element) {
    const id = typeof element.id === 'string' && element.id !== '' ? element.id : '-';
    const property = typeof warning.property === 'string' ? warning.property : undefined;
    const detail = property && raw.startsWith('unresolved reference') ? ` in ${property}` : '';
    return {
      elementId: id,
      elementType: element.$type,
      rule: PARSER_WARNINGS_RULE,
      message: clip(firstLine(raw) + detail),
    };
  }
  const described = describeParserMessage(raw, text);
  let message = described.message;
  if (raw.startsWith('unsupported document encoding'))
    message += '; save the file as UTF-8 and declare encoding="UTF-8"';
  return {
    elementId: described.elementId ?? '-',
    elementType: described.elementType ?? '-',
    rule: PARSER_WARNINGS_RULE,
    message: clip(message),
  };
}

interface DescribedMessage {
  readonly message: string;
  readonly elementId?: string;
  readonly elementType?: string;
}

/**
 * Reads moddle-xml's multi-line message ("unparsable content <x> detected / line / column / nested error")
 * into one line with a 1-based position, and finds the element it is about in the source when possible.
 */
function describeParserMessage(raw: string, text: string): DescribedMessage {
  const match = /^([^\n]*)\n\s*line: (\d+)\n\s*column: (\d+)\n\s*nested error: ([\s\S]*)$/.exec(raw);
  if (!match) return { message: firstLine(raw) };
  const [, head = '', lineText = '0', columnText = '0', nested = ''] = match;
  const line = Number(lineText);
  const column = Number(columnText);
  const message = `${head.trim()}: ${firstLine(nested)} (line ${line + 1}, column ${column + 1})`;

  const tag = tagAt(text, line, column);
  const duplicate = /^duplicate ID <([^>]*)>/.exec(nested);
  const unknownType = /^unknown type <([^>]*)>/.exec(nested);
  const elementId = duplicate?.[1] ?? tag?.id;
  const elementType = unknownType?.[1] ?? (tag ? typeName(tag.name) : undefined);
  return {
    message,
    ...(elementId ? { elementId } : {}),
    ...(elementType ? { elementType } : {}),
  };
}

/** The start tag at a 0-based line/column of the source (name and id attribute), if there is one. */
function tagAt(text: string, line: number, column: number): { name: string; id?: string } | undefined {
  let offset = 0;
  for (let l = 0; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return undefined;
    offset = next + 1;
  }
  offset += column;
  if (text.charCodeAt(offset) !== 0x3c /* < */) return undefined;
  const tag = /^<([^\s/>]+)([^>]*)>/.exec(text.slice(offset, offset + 4000));
  if (!tag) return undefined;
  const id = /\sid\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(tag[2] ?? '');
  const value = id?.[1] ?? id?.[2];
  return { name: tag[1] ?? '', ...(value ? { id: value } : {}) };
}

/** `bpmn:task` → `bpmn:Task`: the tag as written, with the local name capitalized like a moddle type. */
function typeName(tagName: string): string {
  const colon = tagName.indexOf(':');
  const prefix = colon === -1 ? '' : tagName.slice(0, colon + 1);
  const local = tagName.slice(colon + 1);
  return prefix + local.charAt(0).toUpperCase() + local.slice(1);
}

function firstLine(text: string): string {
  const newline = text.indexOf('\n');
  return (newline === -1 ? text : text.slice(0, newline)).trim();
}

function clip(message: string): string {
  const flat = message.replace(/[\r\n\t]+/g, ' ');
  return flat.length > MAX_MESSAGE_LENGTH ? `${flat.slice(0, MAX_MESSAGE_LENGTH)}…` : flat;
}

function isElement(value: unknown): value is BpmnElement {
  return (
    typeof value === 'object' && value !== null && typeof (value as { $type?: unknown }).$type === 'string'
  );
}
