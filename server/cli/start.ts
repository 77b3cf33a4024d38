/**
 * `start`, `worker` and `migrate`: open the runtime (which migrates), then for start/worker run the engine
 * workers until SIGINT/SIGTERM, finishing the handlers in flight before exiting.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { seedOrgDirectory } from '../../processes/org/seed-org-directory.js';
import { openRuntime, type Runtime } from '../runtime.js';

const PROCESSES_DIR = fileURLToPath(new URL('../../processes/', import.meta.url));

export async function runStart(
  config: Config,
  command: 'start' | 'worker' | 'migrate',
  out: (line: string) => void,
): Promise<number> {
  const runtime = await openRuntime(config);
  const where = `${config.DATABASE_URL.replace(/\/\/[^@]*@/, '//***@')} + ${config.REDIS_URL ? 'Bull/Redis' : 'in-process queue'}`;
  if (command === 'migrate') {
    out(`Database schema is up to date (${where})`);
    await runtime.close();
    return 0;
  }
  if (command === 'start') {
    // reference data ships with the code: the Henan org directory (idempotent; edited rows are kept)
    const seeded = await seedOrgDirectory(runtime.infrastructure.knex);
    if (seeded.orgs > 0) out(`Org directory: ${seeded.orgs} orgs added`);
    await deployBundledProcesses(runtime, out);
  }
  // listen for the stop signal before announcing that we run, so an early SIGTERM is never missed
  const stopped = waitForSignal();
  await runtime.engine.startWorkers({
    serviceConcurrency: config.SERVICE_CONCURRENCY,
    sweepOnStart: runtime.infrastructure.volatileQueue,
  });
  runtime.logger.info({ where, command }, 'fiscal-bpm engine running; press Ctrl+C to stop');
  await stopped;
  runtime.logger.info('stopping: finishing jobs in flight');
  await runtime.close();
  return 0;
}

/** Deploys every .bpmn under processes/ (a new version only where the XML changed). */
async function deployBundledProcesses(runtime: Runtime, out: (line: string) => void): Promise<void> {
  for (const file of await findBpmnFiles(PROCESSES_DIR)) {
    const deployed = await runtime.engine.deploy(await readFile(file), { deployedBy: 'system' });
    for (const d of deployed) {
      out(
        `${d.isNew ? 'Deployed' : 'Up to date'}: ${d.processKey} v${d.version} (${relative(PROCESSES_DIR, file)})`,
      );
    }
  }
}

async function findBpmnFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await findBpmnFiles(path)));
    else if (entry.name.endsWith('.bpmn')) files.push(path);
  }
  return files.sort();
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
