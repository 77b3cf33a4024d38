/**
 * Rule `timer-definitions`: every timer says exactly when it fires, in a form the time module reads, so a typo is a
 * deploy error instead of a timer that never fires.
 *
 * - exactly one of `timeDate`, `timeDuration`, `timeCycle`;
 * - its text parses (`parseTimeDate` / `parseDuration` / `parseTimeCycle`: ISO 8601, China time when no offset
 *   is given), or is a FEEL expression (leading `=`) whose syntax checks; its value is then read when the timer
 *   is scheduled;
 * - `fiscal:workingDays="true"` only on a duration or cycle whose duration counts days or weeks (plus an
 *   optional time part): working days are whole days, so years, months or a bare `PT4H` make no sense;
 * - a cycle only where a timer can fire more than once: start events and non-interrupting boundary events.
 *   An intermediate catch event or an interrupting boundary event fires once, so a cycle there is a mistake.
 *
 * Problems are reported on the event that carries the timer.
 */
import { type IsoDuration, parseDuration, parseTimeCycle, parseTimeDate } from '../../time/iso-timer.js';
import {
  type BpmnElement,
  type Rule,
  type RuleContext,
  eventDefinition,
  expressionText,
  feelProblem,
} from './rule.js';
import { supportedElement } from './supported-elements.js';

const TIMER_KINDS = [
  ['timeDate', 'date'],
  ['timeDuration', 'duration'],
  ['timeCycle', 'cycle'],
] as const;

export const timerDefinitions: Rule = {
  id: 'timer-definitions',
  description: 'A timer needs exactly one valid timeDate, timeDuration or timeCycle, used where it can fire.',
  check(ctx) {
    for (const { element, scope } of ctx.model.elements) {
      const definition = eventDefinition(element);
      if (definition?.$type !== 'bpmn:TimerEventDefinition' || !supportedElement(element, scope)) continue;
      checkTimer(element, definition, ctx);
    }
  },
};

// helpers //////

function checkTimer(event: BpmnElement, timer: BpmnElement, ctx: RuleContext): void {
  const given = TIMER_KINDS.filter(([property]) => expressionText(timer, property) !== undefined);
  if (given.length === 0) {
    ctx.report(event, 'timer has no timeDate, timeDuration or timeCycle; give exactly one');
    return;
  }
  if (given.length > 1) {
    ctx.report(event, `timer has ${given.map(([p]) => p).join(' and ')}; give exactly one`);
    return;
  }
  const [property, kind] = given[0] as (typeof TIMER_KINDS)[number];
  const text = (expressionText(timer, property) ?? '').trim();
  const workingDays = timer.workingDays === true;

  if (kind === 'cycle' && !canRepeat(event)) {
    ctx.report(
      event,
      `timer timeCycle "${clip(text)}" on ${describeEvent(event)} fires at most once; ` +
        'cycles are for start events and non-interrupting boundary events (use timeDuration or timeDate)',
    );
  }

  if (text.startsWith('=')) {
    const problem = feelProblem(text);
    if (problem !== undefined) ctx.report(event, `timer ${property} is not valid FEEL: ${problem}`);
    if (workingDays && kind === 'date') ctx.report(event, workingDaysOnDate());
    return;
  }

  let duration: IsoDuration | undefined;
  if (kind === 'date') {
    const parsed = parseTimeDate(text);
    if (!parsed.ok) ctx.report(event, `timer timeDate: ${parsed.message}`);
    if (workingDays) ctx.report(event, workingDaysOnDate());
    return;
  }
  if (kind === 'duration') {
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      ctx.report(event, `timer timeDuration: ${parsed.message}`);
      return;
    }
    duration = parsed.value;
  } else {
    const parsed = parseTimeCycle(text);
    if (!parsed.ok) {
      ctx.report(event, `timer timeCycle: ${parsed.message}`);
      return;
    }
    duration = parsed.value.duration;
  }
  if (workingDays && !countsWholeDays(duration)) {
    ctx.report(
      event,
      `fiscal:workingDays needs a duration in days or weeks (such as P5D, P2W or P1DT4H), but "${clip(text)}" ` +
        (duration.years > 0 || duration.months > 0 ? 'has years or months' : 'has no days or weeks'),
    );
  }
}

/** Start events (process level and event sub-process) and non-interrupting boundary events may fire repeatedly. */
function canRepeat(event: BpmnElement): boolean {
  if (event.$type === 'bpmn:StartEvent') return true;
  return event.$type === 'bpmn:BoundaryEvent' && event.cancelActivity === false;
}

function countsWholeDays(duration: IsoDuration): boolean {
  return duration.years === 0 && duration.months === 0 && duration.weeks + duration.days > 0;
}

function describeEvent(event: BpmnElement): string {
  switch (event.$type) {
    case 'bpmn:BoundaryEvent':
      return 'an interrupting boundary event';
    case 'bpmn:IntermediateCatchEvent':
      return 'an intermediate catch event';
    default:
      return event.$type;
  }
}

function workingDaysOnDate(): string {
  return 'fiscal:workingDays applies to timeDuration and timeCycle only, not to a fixed timeDate';
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
