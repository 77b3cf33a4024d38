/**
 * The JSON of a process definition (Camunda's ProcessDefinitionDto, trimmed to what fiscal-bpm records):
 * camelCase, the deploy time as ISO-8601, never the stored checksum or XML.
 */
import { z } from 'zod';
import type { ProcessChanges } from './definition-diff.js';
import { iso } from './paging.js';

export interface DefinitionRow {
  readonly id: string;
  readonly processKey: string;
  readonly version: number;
  readonly name: string | null;
  readonly versionTag: string | null;
  readonly deployedBy: string | null;
  readonly deployedAt: number;
}

export const DefinitionSchema = z
  .object({
    id: z.string(),
    key: z.string().describe('The process id in the BPMN file; versions count per key'),
    version: z.number().int().min(1),
    name: z.string().nullable(),
    versionTag: z.string().nullable(),
    deployedBy: z.string().nullable(),
    deployedAt: z.string().describe('ISO-8601'),
  })
  .describe('ProcessDefinition');

export function toDefinitionJson(d: DefinitionRow): z.input<typeof DefinitionSchema> {
  return {
    id: d.id,
    key: d.processKey,
    version: d.version,
    name: d.name,
    versionTag: d.versionTag,
    deployedBy: d.deployedBy,
    deployedAt: iso(d.deployedAt),
  };
}

const ElementChangeSchema = z.object({
  id: z.string(),
  type: z.string().describe('BPMN type, e.g. bpmn:UserTask'),
  name: z.string().nullable(),
});

export const ProcessChangesSchema = z
  .object({
    previousVersion: z.number().int().nullable().describe('The version compared against; null for a new key'),
    added: z.array(ElementChangeSchema),
    removed: z.array(ElementChangeSchema),
    changed: z.array(ElementChangeSchema),
    attributesChanged: z.array(z.string()),
    unchanged: z.boolean(),
  })
  .describe('ProcessChanges');

export const DeployedDefinitionSchema = DefinitionSchema.extend({
  isNew: z.boolean().describe('False when the identical XML already was the latest version'),
  fileName: z.string().nullable().describe('The uploaded file it came from (multipart), or null'),
  changes: ProcessChangesSchema.describe('What this version changes against the one before it'),
}).describe('DeployedProcessDefinition');

export const DeploymentSchema = z
  .object({ deployedProcessDefinitions: z.array(DeployedDefinitionSchema) })
  .describe('Deployment');

export function toChangesJson(c: ProcessChanges): z.input<typeof ProcessChangesSchema> {
  return {
    previousVersion: c.previousVersion,
    added: c.added,
    removed: c.removed,
    changed: c.changed,
    attributesChanged: c.attributesChanged,
    unchanged: c.unchanged,
  };
}

/** Where the instances of a definition are and what they went through (Camunda's activity statistics). */
export const DefinitionStatisticsSchema = z
  .object({
    id: z.string().describe('Process definition id'),
    key: z.string(),
    version: z.number().int(),
    instancesByStatus: z
      .record(z.string(), z.number().int())
      .describe('Instances by status: running, completed, canceled, rejected'),
    elements: z.array(
      z
        .object({
          id: z.string().describe('Element id'),
          instances: z.number().int().describe('Live tokens at the element now'),
          openTasks: z
            .number()
            .int()
            .describe('Open user tasks (more than instances when signers were added)'),
          incidents: z.number().int().describe('Open incidents at the element'),
          completed: z.number().int().describe('Times the element completed'),
        })
        .describe('ElementStatistics'),
    ),
  })
  .describe('ProcessDefinitionStatistics');
