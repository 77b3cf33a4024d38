import type { Behavior } from './behavior.js';

/** Elements that do nothing but pass the token on: bpmn:Task, bpmn:ManualTask, a none intermediate throw event. */
export const passThrough: Behavior = {
  activate(runner, token) {
    runner.takeOutgoing(token);
  },
};
