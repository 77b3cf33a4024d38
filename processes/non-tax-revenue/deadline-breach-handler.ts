/**
 * `nonTax.recordOverdue`: a step of 退付 or 减免缓 passed its working-day deadline (a non-interrupting boundary
 * timer fired). The step stays open; a 督办 record names the instance and the step, once per timer firing
 * (keyed by the job), for the supervision reports and the inbox's overdue view.
 */
import type { Knex } from 'knex';
import type { ServiceHandler } from '../../engine/index.js';

interface Deps {
  readonly knex: Knex;
  now(): number;
}

export function deadlineBreachHandlers(deps: Deps): Record<string, ServiceHandler> {
  return {
    'nonTax.recordOverdue': async (job) => {
      const instance = (await deps
        .knex('process_instances')
        .where({ id: job.instanceId })
        .first('process_key')) as { process_key: string } | undefined;
      // the service task is named after the step it watches: `<step>_overdueRecord`
      const step = job.elementId.replace(/_overdueRecord$/, '');
      await deps
        .knex('nontax_deadline_breaches')
        .insert({
          effect_key: `${job.jobId}:overdue`,
          instance_id: job.instanceId,
          process_key: instance?.process_key ?? 'unknown',
          step,
          created_at: new Date(deps.now()),
        })
        .onConflict('effect_key')
        .ignore();
      return { lastOverdueStep: step };
    },
  };
}
