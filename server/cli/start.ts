/**
 * `start`, `worker` and `migrate`. Start serves the API and runs workers in one process (server/main.ts);
 * worker runs only the queue workers (server/worker.ts); migrate brings the schema up to date and exits.
 */
import type { Config } from '../config.js';
import { runServer } from '../main.js';
import { runWorker } from '../worker.js';
import { openRuntime } from '../runtime.js';

export async function runStart(
  config: Config,
  command: 'start' | 'worker' | 'migrate',
  out: (line: string) => void,
): Promise<number> {
  if (command === 'start') return runServer(config, out);
  if (command === 'worker') return runWorker(config);
  const runtime = await openRuntime(config);
  const where = `${config.DATABASE_URL.replace(/\/\/[^@]*@/, '//***@')} + ${config.REDIS_URL ? 'Bull/Redis' : 'in-process queue'}`;
  out(`Database schema is up to date (${where})`);
  await runtime.close();
  return 0;
}
