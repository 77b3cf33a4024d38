/** `deploy <file.bpmn>…`: validates and deploys each file, printing the versions created. */
import { readFile } from 'node:fs/promises';
import { EngineError, formatProblem } from '../../engine/index.js';
import type { Config } from '../config.js';
import { openRuntime } from '../runtime.js';

export async function runDeploy(
  config: Config,
  files: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  if (files.length === 0) {
    err('deploy needs at least one .bpmn file');
    return 2;
  }
  const runtime = await openRuntime(config);
  let failed = false;
  try {
    for (const file of files) {
      try {
        for (const d of await runtime.engine.deploy(await readFile(file), { deployedBy: 'cli' })) {
          out(`${d.isNew ? 'Deployed' : 'Up to date'}: ${d.processKey} v${d.version} (${file})`);
        }
      } catch (e) {
        failed = true;
        if (e instanceof EngineError && e.code === 'VALIDATION_FAILED') {
          for (const p of (e.details as Parameters<typeof formatProblem>[1][]) ?? [])
            err(formatProblem(file, p));
        } else {
          err(`${file}: ${(e as Error).message}`);
        }
      }
    }
  } finally {
    await runtime.close();
  }
  return failed ? 1 : 0;
}
