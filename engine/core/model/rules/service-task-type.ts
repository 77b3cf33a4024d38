/**
 * Rule `service-task-type`: a service task names the handler that runs it (`fiscal:taskType`) and has a sane
 * retry policy (`fiscal:retries` 1..100 attempts, `fiscal:retryBackoff` an ISO 8601 duration such as `PT10S`).
 */
import { type Rule, isIsoDuration, numberProp, stringProp } from './rule.js';

export const MIN_RETRIES = 1;
export const MAX_RETRIES = 100;

export const serviceTaskType: Rule = {
  id: 'service-task-type',
  description: 'A service task needs fiscal:taskType and a valid retry policy.',
  check(ctx) {
    for (const { element } of ctx.model.elements) {
      if (element.$type !== 'bpmn:ServiceTask') continue;
      if ((stringProp(element, 'taskType') ?? '').trim() === '') {
        ctx.report(element, 'service task has no fiscal:taskType naming the handler that runs it');
      }
      if (element.retries !== undefined) {
        const retries = numberProp(element, 'retries');
        if (
          retries === undefined ||
          !Number.isInteger(retries) ||
          retries < MIN_RETRIES ||
          retries > MAX_RETRIES
        ) {
          ctx.report(element, `fiscal:retries must be a whole number from ${MIN_RETRIES} to ${MAX_RETRIES}`);
        }
      }
      const backoff = stringProp(element, 'retryBackoff');
      if (backoff !== undefined && !isIsoDuration(backoff)) {
        ctx.report(
          element,
          `fiscal:retryBackoff "${backoff}" is not an ISO 8601 duration such as PT10S or P1DT2H`,
        );
      }
    }
  },
};
