/**
 * `fiscal-bpm validate <file.bpmn>…`: checks BPMN files the way a deployment would and prints one line per
 * problem (`<file>: <elementId> (<type>): <message>`) or `OK <file>`. Exit code 0 when every file is OK.
 * Unreadable files are reported as problem lines, never as stack traces.
 */
import { open } from 'node:fs/promises';

import { type ModelLimits, oversizeProblem, resolveLimits } from '../../engine/core/model/limits.js';
import { formatProblem, loadModel } from '../../engine/core/model/load-model.js';
import type { Problem } from '../../engine/core/model/problem.js';

export interface ValidateOptions {
  readonly limits?: Partial<ModelLimits>;
}

/** Validates each file in turn, writes the result lines to `out`, and resolves the process exit code. */
export async function runValidate(
  files: readonly string[],
  out: (line: string) => void,
  options: ValidateOptions = {},
): Promise<number> {
  if (files.length === 0) {
    out('usage: fiscal-bpm validate <file.bpmn>...');
    return 1;
  }
  let exitCode = 0;
  for (const file of files) {
    const problems = await validateFile(file, options.limits);
    if (problems.length === 0) {
      out(`OK ${file}`);
    } else {
      exitCode = 1;
      for (const problem of problems) out(formatProblem(file, problem));
    }
  }
  return exitCode;
}

// helpers //////

async function validateFile(file: string, limits?: Partial<ModelLimits>): Promise<readonly Problem[]> {
  const read = await readLimited(file, resolveLimits(limits).maxBytes);
  if ('problem' in read) return [read.problem];
  const result = await loadModel(read.bytes, limits);
  return result.ok ? [] : result.problems;
}

/** Reads a file, refusing (without reading it) one larger than `maxBytes`. */
async function readLimited(
  file: string,
  maxBytes: number,
): Promise<{ bytes: Uint8Array } | { problem: Problem }> {
  try {
    const handle = await open(file, 'r');
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return { problem: fileProblem('not a regular file') };
      if (stats.size > maxBytes) return { problem: oversizeProblem(stats.size, maxBytes) };
      return { bytes: await handle.readFile() };
    } finally {
      await handle.close();
    }
  } catch (err) {
    return { problem: fileProblem(describeFsError(err)) };
  }
}

function fileProblem(reason: string): Problem {
  return { elementId: '-', elementType: '-', rule: 'read-file', message: `cannot read file: ${reason}` };
}

function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  }
}
