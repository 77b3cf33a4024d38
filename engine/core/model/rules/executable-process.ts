/**
 * Rule `executable-process`: the file must contain a process we can deploy, and each deployed process needs a way
 * to start: at least one process-level start event that is a none, timer, message or signal start, and at most
 * one none start event (that is where `startInstance` puts the first token; two would be ambiguous).
 *
 * A process marked `isExecutable="false"` is skipped silently when the file has something else to deploy
 * (documentation pools next to the real process); it is reported only when nothing in the file is deployable.
 * Start events of other kinds (error, escalation …) at process level are `supported-elements`' business.
 */
import { type Rule, elementList, eventDefinitions, noneStartEvents } from './rule.js';

/** Event definitions a process-level start event may carry to start new instances. */
export const PROCESS_START_DEFINITIONS: readonly string[] = [
  'bpmn:TimerEventDefinition',
  'bpmn:MessageEventDefinition',
  'bpmn:SignalEventDefinition',
];

export const executableProcess: Rule = {
  id: 'executable-process',
  description:
    'The file must contain an executable process with a none, timer, message or signal start event and at most one none start event.',
  check(ctx) {
    const { processes, deployable, children } = ctx.model;
    if (processes.length === 0) {
      ctx.report(undefined, 'the file contains no process (bpmn:Process); there is nothing to deploy');
      return;
    }
    if (deployable.length === 0) {
      for (const process of processes) {
        ctx.report(
          process,
          'process is not executable (isExecutable="false") and the file has no executable process; ' +
            'set isExecutable="true" to deploy it',
        );
      }
      return;
    }
    for (const process of deployable) {
      const direct = children.get(process) ?? elementList(process, 'flowElements');
      const noneStarts = noneStartEvents(direct);
      const eventStarts = direct.filter((element) => {
        if (element.$type !== 'bpmn:StartEvent') return false;
        const definitions = eventDefinitions(element);
        return definitions.length === 1 && PROCESS_START_DEFINITIONS.includes(definitions[0]?.$type ?? '');
      });
      if (noneStarts.length === 0 && eventStarts.length === 0) {
        ctx.report(
          process,
          'process has no start event at process level: add a none start event, or a timer, message or signal start event',
        );
      } else if (noneStarts.length > 1) {
        ctx.report(process, `process has ${noneStarts.length} none start events; at most one is allowed`);
      }
    }
  },
};
