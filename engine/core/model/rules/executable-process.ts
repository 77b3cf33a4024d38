/**
 * Rule `executable-process`: the file must contain a process we can deploy, and each deployed process needs
 * exactly one none start event at process level (that is where `startInstance` puts the first token).
 *
 * A process marked `isExecutable="false"` is skipped silently when the file has something else to deploy
 * (documentation pools next to the real process); it is reported only when nothing in the file is deployable.
 */
import { type Rule, elementList, noneStartEvents } from './rule.js';

export const executableProcess: Rule = {
  id: 'executable-process',
  description: 'The file must contain an executable process with exactly one none start event.',
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
      const starts = noneStartEvents(children.get(process) ?? elementList(process, 'flowElements'));
      if (starts.length === 0) {
        ctx.report(
          process,
          'process has no none start event (a start event without event definition) at process level',
        );
      } else if (starts.length > 1) {
        ctx.report(process, `process has ${starts.length} none start events; exactly one is allowed`);
      }
    }
  },
};
