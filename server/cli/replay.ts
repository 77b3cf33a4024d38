/**
 * `fiscal-bpm replay [--instance <id> | --definition <key>] [--against <file.bpmn>] [--json]`: replays the
 * recorded routing decisions of running instances (engine/core/replay) and prints every divergence with its
 * element id. Without --against each instance is replayed against the definitions it runs on (does this build
 * decide as the one that ran it?); with --against, against the file's process of the same key: which in-flight
 * instances would a new model route differently (before deploying it or migrating them). Opens the database
 * without migrating it and only reads, so it runs on a live system. Exit 0 when nothing diverges, 1 otherwise.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  createEngine,
  EngineError,
  formatProblem,
  loadModel,
  type Engine,
  type Problem,
  type ReplayReport,
} from '../../engine/index.js';
import { openInfrastructure } from '../../engine/adapters/index.js';
import { ConfigError, loadConfig, type Config } from '../config.js';

export const REPLAY_USAGE = `fiscal-bpm replay [--instance <id> | --definition <key>] [--against <file.bpmn>] [--json]

Replays the recorded routing decisions (gateway and conditional flow choices, boundary events and event
sub-processes that fired) of running instances with this build, and prints each decision that comes out
differently, with its element id, what was taken and what is taken now.
  --instance <id>     one instance (running or ended)
  --definition <key>  every running instance of the process key (default: the keys of --against, else all)
  --against <file>    replay against the process of the same key in this BPMN file instead of the instances'
                      own definitions: which in-flight instances would the new model route differently
  --json              print the reports as JSON
Exit 0 when no decision diverges, 1 when one does (or the file is invalid), 2 on wrong usage.`;

/** Instances read per page. */
const PAGE = 500;

export async function runReplayCli(
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        instance: { type: 'string' },
        definition: { type: 'string' },
        against: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (e) {
    err((e as Error).message);
    err(REPLAY_USAGE);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    out(REPLAY_USAGE);
    return 0;
  }
  if (values.instance && values.definition) {
    err('Give either --instance or --definition, not both');
    return 2;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  return runReplay(
    config,
    {
      instanceId: values.instance,
      processKey: values.definition,
      againstFile: values.against,
      json: values.json === true,
    },
    out,
    err,
  );
}

export interface ReplayOptions {
  readonly instanceId?: string;
  readonly processKey?: string;
  readonly againstFile?: string;
  readonly json?: boolean;
}

export async function runReplay(
  config: Pick<Config, 'DATABASE_URL' | 'BPMN_MAX_BYTES'>,
  options: ReplayOptions,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let againstXml: Buffer | undefined;
  let keys: string[] | undefined = options.processKey ? [options.processKey] : undefined;
  if (options.againstFile) {
    againstXml = await readFile(options.againstFile);
    const loaded = await loadModel(againstXml, { maxBytes: config.BPMN_MAX_BYTES });
    if (!loaded.ok) {
      for (const p of loaded.problems) err(formatProblem(options.againstFile, p));
      return 1;
    }
    keys ??= Object.keys(loaded.model.processes);
  }
  const infrastructure = await openInfrastructure({
    databaseUrl: config.DATABASE_URL,
    migrate: false,
    poolMax: 2,
  });
  try {
    if (!(await infrastructure.knex.schema.hasTable('process_instances'))) {
      err('The database has no engine tables: run "fiscal-bpm migrate" first');
      return 1;
    }
    const engine = createEngine({
      store: infrastructure.store,
      queue: infrastructure.queue,
      limits: { maxBytes: config.BPMN_MAX_BYTES },
    });
    const instanceIds = options.instanceId ? [options.instanceId] : await runningInstances(engine, keys);
    const reports: ReplayReport[] = [];
    for (const id of instanceIds) {
      try {
        reports.push(await engine.replayInstance(id, againstXml ? { definitionXml: againstXml } : {}));
      } catch (e) {
        if (e instanceof EngineError && e.code === 'VALIDATION_FAILED') {
          for (const p of (e.details as Problem[]) ?? []) err(formatProblem(options.againstFile ?? '-', p));
        } else err(`${id}: ${(e as Error).message}`);
        return 1;
      }
    }
    if (options.json) out(JSON.stringify(reports, null, 2));
    else for (const line of formatReports(reports, options.againstFile)) out(line);
    return reports.some((r) => r.divergences.length > 0) ? 1 : 0;
  } finally {
    await infrastructure.close();
  }
}

/** One block per instance with divergences or unverified decisions, then a summary line. */
export function formatReports(reports: readonly ReplayReport[], againstFile?: string): string[] {
  const lines: string[] = [];
  const flows = (f: readonly string[] | null) =>
    f === null ? '(none)' : f.length === 0 ? '[]' : f.join(',');
  for (const r of reports) {
    if (r.divergences.length === 0 && r.unverified.length === 0) continue;
    lines.push(
      `${r.divergences.length > 0 ? 'DIVERGES' : 'UNVERIFIED'} ${r.instanceId} (${r.processKey}): ${r.divergences.length} of ${r.decisionsChecked} decision(s) differ, ${r.unverified.length} unverified`,
    );
    for (const d of r.divergences)
      lines.push(
        `  ${d.elementId} ${d.kind}: recorded ${flows(d.recorded)} → replayed ${flows(d.replayed)} (${d.reason})`,
      );
    for (const u of r.unverified)
      lines.push(
        `  ${u.elementId} unverified: recorded ${flows(u.recorded)}; the history has no value of ${u.missing.join(', ')}`,
      );
  }
  const diverging = reports.filter((r) => r.divergences.length > 0).length;
  const decisions = reports.reduce((n, r) => n + r.decisionsChecked, 0);
  const unverified = reports.reduce((n, r) => n + r.unverified.length, 0);
  const unrecorded = reports.reduce((n, r) => n + r.unrecordedFlows, 0);
  lines.push(
    `Replayed ${reports.length} instance(s) against ${againstFile ?? 'their own definitions'}: ${decisions} decision(s), ${diverging} instance(s) diverge, ${unverified} decision(s) unverified${unrecorded > 0 ? `, ${unrecorded} flow(s) taken before decisions were recorded` : ''}`,
  );
  return lines;
}

/** The most running instances `deploy` replays to warn about a new version (the oldest first). */
export const DEPLOY_REPLAY_LIMIT = 500;

/**
 * For the deploy summary: how many running instances of `processKey` the model in `xml` would have routed
 * differently so far (they keep their version; this is what migrating them would meet). Null when none run.
 */
export async function divergingInFlight(
  engine: Engine,
  processKey: string,
  xml: Buffer,
): Promise<{ checked: number; diverging: number; capped: boolean } | null> {
  const ids = await engine.listInstances({
    status: 'running',
    processKey,
    sortBy: 'startedAt',
    sortOrder: 'asc',
    maxResults: DEPLOY_REPLAY_LIMIT + 1,
  });
  if (ids.length === 0) return null;
  const checked = ids.slice(0, DEPLOY_REPLAY_LIMIT);
  let diverging = 0;
  for (const { id } of checked) {
    const report = await engine.replayInstance(id, { definitionXml: xml });
    if (report.divergences.length > 0) diverging++;
  }
  return { checked: checked.length, diverging, capped: ids.length > DEPLOY_REPLAY_LIMIT };
}

/** The deploy summary line for `divergingInFlight`, or none when nothing diverges. */
export function formatInFlightWarning(
  processKey: string,
  file: string,
  result: { checked: number; diverging: number; capped: boolean } | null,
): string[] {
  if (!result || result.diverging === 0) return [];
  return [
    `  ! ${result.diverging} of ${result.checked}${result.capped ? ' (oldest)' : ''} running instance(s) of ${processKey} would be routed differently by this version: they keep theirs; see fiscal-bpm replay --definition ${processKey} --against ${file}`,
  ];
}

// helpers //////

async function runningInstances(engine: Engine, keys: readonly string[] | undefined): Promise<string[]> {
  const ids: string[] = [];
  for (const processKey of keys ?? [undefined]) {
    for (let first = 0; ; first += PAGE) {
      const page = await engine.listInstances({
        status: 'running',
        ...(processKey ? { processKey } : {}),
        sortBy: 'startedAt',
        sortOrder: 'asc',
        firstResult: first,
        maxResults: PAGE,
      });
      ids.push(...page.map((i) => i.id));
      if (page.length < PAGE) break;
    }
  }
  return ids;
}
