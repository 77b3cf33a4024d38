/**
 * `deploy [--dry-run] <file.bpmn>…`: validates and deploys each file, printing the versions created and what
 * each changes against the latest deployed version of its key (elements added, removed, changed by id). With
 * `--dry-run` it prints the same summary and deploys nothing, so a designer can check a change before it goes
 * live. When running instances of a key would be routed differently by the new version (a replay of their recorded
 * decisions, server/cli/replay.ts), the summary says how many.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EngineError, formatProblem, loadModel, type Engine, type Problem } from '../../engine/index.js';
import type { Config } from '../config.js';
import { openRuntime } from '../runtime.js';
import {
  compiledProcesses,
  diffProcesses,
  formatChanges,
  type CompiledProcess,
  type ProcessChanges,
} from '../routes/views/definition-diff.js';
import { divergingInFlight, formatInFlightWarning } from './replay.js';

export interface DeployOptions {
  /** Validate and print the change summary; deploy nothing. */
  readonly dryRun?: boolean;
}

export async function runDeploy(
  config: Config,
  files: string[],
  out: (line: string) => void,
  err: (line: string) => void,
  options: DeployOptions = {},
): Promise<number> {
  if (files.length === 0) {
    err('deploy needs at least one .bpmn file');
    return 2;
  }
  const runtime = await openRuntime(config);
  const { engine } = runtime;
  const maxBytes = config.BPMN_MAX_BYTES;
  let failed = false;
  try {
    for (const file of files) {
      try {
        const xml = await readFile(file);
        const loaded = await loadModel(xml, { maxBytes });
        if (!loaded.ok) {
          failed = true;
          for (const p of loaded.problems) err(formatProblem(file, p));
          continue;
        }
        const checksum = createHash('sha256').update(xml.toString('utf8')).digest('hex');
        const plans = [];
        for (const process of Object.values(loaded.model.processes)) {
          const plan = await planFor(engine, process, checksum, maxBytes);
          // what the running instances of the key would meet under the new version (replay of their decisions)
          const inFlight =
            plan.upToDate || plan.latestVersion === null
              ? null
              : await divergingInFlight(engine, plan.key, xml);
          plans.push({ ...plan, inFlight });
        }
        if (options.dryRun) {
          for (const plan of plans) {
            if (plan.upToDate) out(`Up to date: ${plan.key} v${plan.latestVersion} (${file})`);
            else {
              const next = (plan.latestVersion ?? 0) + 1;
              out(`Would deploy: ${plan.key} v${next} (${file})`);
              for (const line of formatChanges(plan.key, next, plan.changes)) out(`  ${line}`);
              for (const line of formatInFlightWarning(plan.key, file, plan.inFlight)) out(line);
            }
          }
          continue;
        }
        for (const d of await engine.deploy(xml, { deployedBy: 'cli' })) {
          out(`${d.isNew ? 'Deployed' : 'Up to date'}: ${d.processKey} v${d.version} (${file})`);
          const plan = plans.find((p) => p.key === d.processKey);
          if (d.isNew && plan) {
            for (const line of formatChanges(d.processKey, d.version, plan.changes)) out(`  ${line}`);
            for (const line of formatInFlightWarning(d.processKey, file, plan.inFlight)) out(line);
          }
        }
      } catch (e) {
        failed = true;
        if (e instanceof EngineError && e.code === 'VALIDATION_FAILED') {
          for (const p of (e.details as Problem[]) ?? []) err(formatProblem(file, p));
        } else {
          err(`${file}: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    await runtime.close();
  }
  if (options.dryRun) out('Dry run: nothing was deployed');
  return failed ? 1 : 0;
}

interface Plan {
  readonly key: string;
  readonly latestVersion: number | null;
  /** The identical XML is already the latest version. */
  readonly upToDate: boolean;
  readonly changes: ProcessChanges;
}

/** What deploying `process` would change against the latest deployed version of its key. */
async function planFor(
  engine: Engine,
  process: CompiledProcess,
  checksum: string,
  maxBytes: number,
): Promise<Plan> {
  const latest = (await engine.listDefinitions(process.key)).reduce<
    { id: string; version: number; checksum: string } | undefined
  >((best, d) => (!best || d.version > best.version ? d : best), undefined);
  if (!latest)
    return {
      key: process.key,
      latestVersion: null,
      upToDate: false,
      changes: diffProcesses(undefined, process, null),
    };
  const before = await compiledProcesses(await engine.getDefinitionXml(latest.id), maxBytes);
  return {
    key: process.key,
    latestVersion: latest.version,
    upToDate: latest.checksum === checksum,
    changes: diffProcesses(before?.[process.key], process, latest.version),
  };
}
