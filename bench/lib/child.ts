/**
 * Child Node processes for the bench (worker clients, the memory worker), started with tsx and an IPC channel.
 * Messages are plain objects with a `type`; `next(type)` waits for the next message of that type.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface BenchChild {
  readonly pid: number;
  send(message: BenchMessage): void;
  next<T extends BenchMessage = BenchMessage>(type: string, timeoutMs?: number): Promise<T>;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  kill(): void;
}

/** Starts `bench/<script>` under tsx with the given environment (added to this process's). */
export function startChild(
  script: string,
  env: Record<string, string>,
  nodeOptions: readonly string[] = [],
): BenchChild {
  const child: ChildProcess = fork(join(BENCH_DIR, script), [], {
    execArgv: [...nodeOptions, '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: BenchMessage[] = [];
  const waiters: { type: string; resolve: (m: BenchMessage) => void; reject: (e: Error) => void }[] = [];
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      exitCode = code;
      for (const w of waiters.splice(0))
        w.reject(new Error(`${script} exited with code ${code} while the bench waited for '${w.type}'`));
      resolve(code);
    });
  });
  child.on('message', (raw) => {
    const message = raw as BenchMessage;
    if (message.type === 'error') {
      const w = waiters.shift();
      if (w) w.reject(new Error(`${script}: ${String(message.message)}`));
      return;
    }
    const index = waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(message);
    else inbox.push(message);
  });
  return {
    pid: child.pid!,
    send(message) {
      child.send(message);
    },
    next<T extends BenchMessage>(type: string, timeoutMs = 120_000): Promise<T> {
      const index = inbox.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0] as T);
      if (exitCode !== undefined)
        return Promise.reject(
          new Error(`${script} already exited (code ${exitCode}); no '${type}' will come`),
        );
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${script} sent no '${type}' within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    exited,
    kill() {
      if (exitCode === undefined) child.kill('SIGKILL');
    },
  };
}

/** In a child: sends a message to the parent. */
export function sendToParent(message: BenchMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

const parentInbox: BenchMessage[] = [];
const parentWaiters: { type: string; resolve: (m: BenchMessage) => void }[] = [];
let listening = false;

/** In a child: the next message of `type` from the parent (messages that came earlier are kept). */
export function fromParent<T extends BenchMessage = BenchMessage>(type: string): Promise<T> {
  if (!listening) {
    listening = true;
    process.on('message', (raw) => {
      const message = raw as BenchMessage;
      const index = parentWaiters.findIndex((w) => w.type === message.type);
      if (index >= 0) parentWaiters.splice(index, 1)[0]!.resolve(message);
      else parentInbox.push(message);
    });
  }
  const index = parentInbox.findIndex((m) => m.type === type);
  if (index >= 0) return Promise.resolve(parentInbox.splice(index, 1)[0] as T);
  return new Promise((resolve) => parentWaiters.push({ type, resolve: (m) => resolve(m as T) }));
}

let finishing = false;

/** In a child: the parent went away (IPC closed) — leave, so no orphan keeps running. */
export function exitWithParent(): void {
  process.on('disconnect', () => {
    if (!finishing) process.exit(2);
  });
  void fromParent('__listen__');
}

/** In a child: done; close the IPC channel so the process can end by itself. */
export function finishChild(): void {
  finishing = true;
  process.disconnect?.();
}
