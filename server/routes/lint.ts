/**
 * Routes: validating a BPMN draft without deploying it, for the designer's live validation and its pre-deploy
 * summary. The same `loadModel` the deployment route runs checks the draft, so the canvas shows exactly the
 * problems a deploy would refuse (each with its element id); when the draft loads, each process in it comes
 * back with what it would change against the latest deployed version of its key (a dry run of the deploy).
 */
import { z } from 'zod';
import { loadModel } from '../../engine/index.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import type { AppServices } from '../services.js';
import { compiledProcesses, diffProcesses, type CompiledProcess } from './views/definition-diff.js';
import { ProcessChangesSchema, toChangesJson } from './views/definition.js';

const ProblemSchema = z
  .object({
    elementId: z.string().describe('Element id, or `-` for the whole file'),
    elementType: z.string(),
    rule: z.string().describe('Rule id, e.g. conditional-flows'),
    message: z.string(),
  })
  .describe('ModelProblem');

const ValidationSchema = z
  .object({
    valid: z.boolean().describe('True when the draft would deploy'),
    problems: z.array(ProblemSchema),
    processes: z
      .array(
        z.object({
          key: z.string(),
          name: z.string().nullable(),
          latestVersion: z.number().int().nullable().describe('The deployed version compared against'),
          changes: ProcessChangesSchema,
        }),
      )
      .describe('Empty unless valid'),
  })
  .describe('ModelValidation');

const validateRoute = defineRoute({
  method: 'post',
  path: '/deployment/validate',
  summary: 'Validate a BPMN draft and preview what deploying it would change',
  description:
    'Runs the deployment checks on `xml` without deploying. Answers 200 either way: `problems` lists every ' +
    'problem with its element id (the same list a deploy would answer 422 with); when there are none, ' +
    '`processes` says for each process what a deploy would change against its latest deployed version.',
  tags: ['Deployment'],
  access: { anyRole: ['designer'] },
  idempotent: false,
  body: z.object({
    xml: z
      .string()
      .min(1)
      .max(64 * 1024 * 1024),
  }),
  response: ValidationSchema,
  handler: async ({ body, services }) => {
    const maxBytes = services.config.BPMN_MAX_BYTES;
    const loaded = await loadModel(body.xml, { maxBytes });
    if (!loaded.ok) return { valid: false, problems: loaded.problems, processes: [] };
    const processes = [];
    for (const [key, next] of Object.entries(loaded.model.processes)) {
      const latest = await latestDeployed(services, key);
      processes.push({
        key,
        name: next.name ?? null,
        latestVersion: latest?.version ?? null,
        changes: toChangesJson(diffProcesses(latest?.process, next, latest?.version ?? null)),
      });
    }
    return { valid: true, problems: [], processes };
  },
});

export const lintRoutes: RouteSpec[] = [validateRoute];

/** The latest deployed version of `key` compiled, or undefined when the key is new. */
async function latestDeployed(
  services: AppServices,
  key: string,
): Promise<{ version: number; process: CompiledProcess | undefined } | undefined> {
  const versions = await services.engine.listDefinitions(key);
  const latest = versions.filter((d) => d.processKey === key).sort((a, b) => b.version - a.version)[0];
  if (!latest) return undefined;
  const xml = await services.engine.getDefinitionXml(latest.id);
  const compiled = await compiledProcesses(xml, services.config.BPMN_MAX_BYTES);
  return { version: latest.version, process: compiled?.[key] };
}
