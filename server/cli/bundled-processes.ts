/** The BPMN files shipped under processes/, deployed at start (a new version only where the XML changed). */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runtime } from '../runtime.js';

const PROCESSES_DIR = fileURLToPath(new URL('../../processes/', import.meta.url));

export async function deployBundledProcesses(runtime: Runtime, out: (line: string) => void): Promise<void> {
  for (const file of await findBpmnFiles(PROCESSES_DIR)) {
    const deployed = await runtime.engine.deploy(await readFile(file), { deployedBy: 'system' });
    for (const d of deployed) {
      out(
        `${d.isNew ? 'Deployed' : 'Up to date'}: ${d.processKey} v${d.version} (${relative(PROCESSES_DIR, file)})`,
      );
    }
  }
}

export async function findBpmnFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await findBpmnFiles(path)));
    else if (entry.name.endsWith('.bpmn')) files.push(path);
  }
  return files.sort();
}
