/**
 * One fiscal-bpm process run by the chaos runner as a child: `node bin/fiscal-bpm.js start` (an API process, which
 * also runs workers) or `node bin/fiscal-bpm.js worker`, the production entry points, with the environment the
 * cluster gives it. The runner signals it (SIGKILL, SIGSTOP/SIGCONT) and respawns it in the same slot; its output
 * is kept (last lines) for failure messages. Every child is SIGKILLed when the test process exits (also on
 * SIGINT/SIGTERM, which end it through process.exit so that exit handlers run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ChildRole = 'api' | 'worker';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(REPO, 'bin', 'fiscal-bpm.js');
const TAIL_LINES = 80;

const living = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});
// 'exit' handlers do not run when a signal ends the process: exit explicitly, so none of them is skipped
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));

export interface FiscalChildSpec {
  readonly role: ChildRole;
  /** Name in logs, e.g. `api-1`, `worker-2`. */
  readonly name: string;
  readonly env: Record<string, string>;
  /** API only: the port it listens on (kept across respawns so clients find it again). */
  readonly port?: number;
}

export class FiscalChild {
  /** How many times this slot's process was started. */
  generation = 0;
  private child: ChildProcess | undefined;
  private tailLines: string[] = [];
  private exited: Promise<void> = Promise.resolve();
  private paused = false;

  constructor(readonly spec: FiscalChildSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get baseUrl(): string {
    if (this.spec.port === undefined) throw new Error(`${this.name} is not an API process`);
    return `http://127.0.0.1:${this.spec.port}`;
  }

  /** Starts the process (again) and resolves once it is ready: it said so, and an API answers /readyz with 200. */
  async start(timeoutMs = 90_000): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.generation++;
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...this.spec.env,
      ...(this.spec.port !== undefined ? { PORT: String(this.spec.port) } : {}),
      // the worker says "fiscal-bpm worker running" at info; the API is polled on /readyz
      LOG_LEVEL: this.spec.env.LOG_LEVEL ?? (this.spec.role === 'worker' ? 'info' : 'warn'),
    };
    const child = spawn(process.execPath, [CLI, this.spec.role === 'api' ? 'start' : 'worker'], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.paused = false;
    living.add(child);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => living.delete(child));
    // readiness is what this child says (a /readyz answer alone could come from another process that took the
    // port meanwhile on this shared machine): the worker's "running" log line, the API's "serving" line
    let saidReady = false;
    let failed = false;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        if (line.includes('fiscal-bpm worker running') || line.includes('fiscal-bpm is serving'))
          saidReady = true;
        if (/fiscal-bpm \w+ failed|EADDRINUSE/.test(line)) failed = true;
        this.tailLines.push(`${this.name}#${this.generation}: ${line.slice(0, 500)}`);
      }
      if (this.tailLines.length > TAIL_LINES) this.tailLines = this.tailLines.slice(-TAIL_LINES);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);

    const until = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running || child !== this.child || failed) {
        if (failed) await this.kill();
        throw new Error(`${this.name} failed while starting:\n${this.tail().join('\n')}`);
      }
      if (saidReady && (this.spec.role === 'worker' || (await this.answersReady()))) return;
      if (Date.now() > until)
        throw new Error(`${this.name} was not ready after ${timeoutMs} ms:\n${this.tail().join('\n')}`);
      await sleep(100);
    }
  }

  private async answersReady(): Promise<boolean> {
    try {
      const response = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return response.status === 200;
    } catch {
      return false;
    }
  }

  /** SIGKILL, and resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.child || !this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
    this.paused = false;
  }

  /** SIGKILL without waiting (from a synchronous callback such as the fault proxy's commit hook). */
  killNow(): void {
    if (this.child && this.running) this.child.kill('SIGKILL');
  }

  async exitedPromise(): Promise<void> {
    await this.exited;
  }

  /** SIGSTOP: the process is frozen (its locks lapse, its connections stay open). */
  pause(): void {
    if (!this.child || !this.running) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  /** SIGCONT. */
  resume(): void {
    if (!this.child || !this.running || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /** The last lines the process printed (all generations). */
  tail(): string[] {
    return [...this.tailLines];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
