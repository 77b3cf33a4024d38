/**
 * Routes: messages and signals from outside (Camunda's `POST /message` and `POST /signal`). Integrations call
 * these: a service account holding `process_admin`, or — for messages only — the staff and front-ends of an agency
 * bank or the PBOC treasury (any role held at a bank or 人行国库 org), who send the 回单, 退票 and 缴款 callbacks.
 * Signals, which reach every waiting instance, stay with process admins.
 */
import { z } from 'zod';
import { BANK_SEGMENT, PBOC_TREASURY_SEGMENT } from '../../processes/org/org-codes.js';
import { errors } from '../http/api-error.js';
import { hasAnyRole, isAdmin, type Principal } from '../auth/principal.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/** Holds a role at an agency bank (`<region>-YH-…`) or a PBOC treasury (`<region>-RHGK`). */
function actsForABank(principal: Principal): boolean {
  return principal.roles.some((g) => {
    const segment = g.orgCode.split('-')[1];
    return segment === BANK_SEGMENT || segment === PBOC_TREASURY_SEGMENT;
  });
}

const TAG = ['Message'];

const variablesSchema = z
  .record(z.string(), z.unknown())
  .optional()
  .describe('Variables set on the instance that catches it (amounts as integer 分)');

const CorrelationResultSchema = z
  .object({
    messageId: z
      .string()
      .describe('The idempotency id: sending the same messageId again returns this result'),
    outcome: z
      .enum(['correlated', 'started', 'buffered'])
      .describe('Delivered to a waiting instance, started a new one, or kept for a subscription to come'),
    processInstanceId: z.string().nullable(),
  })
  .describe('MessageCorrelationResult');

const messageRoute = defineRoute({
  method: 'post',
  path: '/message',
  summary: 'Correlate a message',
  description:
    'For integrations: a service account holding `process_admin`, or a user of an agency bank or the PBOC ' +
    'treasury (their 回单/退票/缴款 callbacks); others get 403. The message goes to the ' +
    'oldest waiting subscription of that name and correlation key, else to a message start event, else it is ' +
    'kept for its time-to-live; with nothing to receive it at all, 404 MESSAGE_NOT_CORRELATED. `businessKey` ' +
    '(单号) is the correlation key when `correlationKey` is absent: processes that wait for a callback by 单号 ' +
    'correlate on it. `messageId` makes the call idempotent (same id → same result, nothing happens twice).',
  tags: TAG,
  access: 'user',
  body: z.object({
    messageName: z.string().min(1).max(255),
    correlationKey: z.string().min(1).max(255).optional(),
    businessKey: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('单号; the correlation key when none is given'),
    variables: variablesSchema,
    messageId: z.string().min(1).max(128).optional(),
  }),
  response: CorrelationResultSchema,
  handler: async ({ body, services, principal }) => {
    if (!isAdmin(principal) && !hasAnyRole(principal, ['process_admin']) && !actsForABank(principal))
      throw errors.forbidden(
        '只有流程管理员或代理银行、人民银行国库的用户可以发送消息',
        'Only process admins and users of an agency bank or the PBOC treasury may send messages',
        { requiredRoles: ['process_admin'], orgKinds: ['bank', 'pboc_treasury'] },
      );
    const result = await services.engine.correlateMessage(body.messageName, {
      correlationKey: body.correlationKey ?? body.businessKey ?? null,
      variables: body.variables,
      messageId: body.messageId,
    });
    return { messageId: result.messageId, outcome: result.outcome, processInstanceId: result.instanceId };
  },
});

const signalRoute = defineRoute({
  method: 'post',
  path: '/signal',
  summary: 'Broadcast a signal',
  description:
    'For integrations and operators (`process_admin`). Every waiting signal catch event of that name and every ' +
    'signal start event receives it; `caught` says how many.',
  tags: TAG,
  access: { anyRole: ['process_admin'] },
  body: z.object({ name: z.string().min(1).max(255), variables: variablesSchema }),
  response: z.object({ name: z.string(), caught: z.number().int().min(0) }).describe('SignalResult'),
  handler: async ({ body, services }) => ({
    name: body.name,
    caught: await services.engine.broadcastSignal(body.name, { variables: body.variables }),
  }),
});

export const messagingRoutes: RouteSpec[] = [messageRoute, signalRoute];
