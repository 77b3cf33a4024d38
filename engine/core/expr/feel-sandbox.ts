/**
 * Time- and memory-bounded FEEL evaluation (reliability.md §4.2, test plan item 18). feelin has no time or CPU
 * limit: `count(for x in 1..1e9 return x)`, a cartesian `for` over a few ranges, exponential recursion through a
 * FEEL function or a catastrophic regular expression in `matches` runs for minutes, and a large enough one fills
 * the heap and kills the whole process. So expressions are evaluated in one worker thread with a heap limit, and
 * the caller waits for the answer synchronously (the engine evaluates inside a command, which is synchronous)
 * for at most the time limit; a worker that does not answer in time (or ran out of memory) is terminated and
 * replaced, and the evaluation fails like any other failing expression (an incident, never a silent value).
 *
 * The wait uses `Atomics.wait` on a shared flag the worker sets after posting its reply, and
 * `receiveMessageOnPort` to read the reply without the event loop, so a runaway expression costs at most the
 * time limit. An ordinary evaluation costs one message round trip (tens of microseconds).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** How long one evaluation may run before it is stopped. */
export const EXPRESSION_TIME_LIMIT_MS = 250;
/** How long the worker may take to start (load feelin) before evaluations fail. */
export const BOOT_TIME_LIMIT_MS = 15_000;
/** Heap of the evaluating worker: a runaway allocation kills the worker, not the process. */
const WORKER_HEAP_MB = 256;

/** What the worker answers: feelin's value made JSON-safe, and its warnings as text. */
export type SandboxReply =
  | { readonly ok: true; readonly value: unknown; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/** Index of the shared flags: the worker raises REPLY after posting a reply, the caller raises REQUEST after posting. */
const REPLY = 0;
const REQUEST = 1;

/**
 * The worker's source (CommonJS, evaluated as a string so it needs no loader for TypeScript). It imports feelin by
 * the URL the parent resolved, then loops without an event loop: wait for REQUEST, read the request from the
 * port, evaluate, turn the value into plain JSON (JS and FEEL functions become null), post the reply, raise REPLY.
 */
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { port, flags, feelinUrl } = workerData;
const signal = new Int32Array(flags);
const REPLY = 0;
const REQUEST = 1;
const WARM_UP = 'count(for x in list return x) > 0 and matches(text, "a") and date("2026-01-01") + duration("P1D") > @"2026-01-01T00:00:00Z" and {a: 1}.a = 1 and some y in [1..3] satisfies y > 2 and string length(upper case(text)) = 1';
const raise = () => { Atomics.store(signal, REPLY, 1); Atomics.notify(signal, REPLY); };
import(feelinUrl).then(({ evaluate, isFunction }) => {
  const plain = (key, value) => (typeof value === 'function' || isFunction(value) ? null : value);
  const toPlain = (value) => {
    if (value === null || value === undefined || typeof value === 'function' || isFunction(value)) return null;
    if (typeof value !== 'object') return value;
    return JSON.parse(JSON.stringify(value, plain));
  };
  // the first evaluation pays for the parser's and the builtins' first use: pay it before the clock runs
  evaluate(WARM_UP, { list: [1, 2], text: 'a' });
  raise();
  for (;;) {
    // a bounded wait, so a terminate() always gets through between two waits
    if (Atomics.wait(signal, REQUEST, 0, 1000) === 'timed-out') continue;
    Atomics.store(signal, REQUEST, 0);
    const request = receiveMessageOnPort(port);
    if (!request) continue;
    const { source, context } = request.message;
    let reply;
    try {
      const { value, warnings } = evaluate(source, context);
      reply = { ok: true, value: toPlain(value), warnings: warnings.map((w) => w.type + ': ' + w.message) };
    } catch (err) {
      reply = { ok: false, reason: String((err && err.message) || err) };
    }
    try {
      port.postMessage(reply);
    } catch (err) {
      port.postMessage({ ok: false, reason: 'the value cannot be returned: ' + String(err && err.message) });
    }
    raise();
  }
}, (err) => {
  port.postMessage({ ok: false, reason: 'FEEL evaluator failed to load: ' + String(err && err.message) });
  raise();
});
`;

interface Sandbox {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly signal: Int32Array;
  ready: boolean;
}

let sandbox: Sandbox | undefined;
/** A worker loading in the background after a runaway, so the next runaway costs no start-up wait. */
let spare: Sandbox | undefined;

/** Evaluates `source` against `context` (plain JSON data) in the worker, for at most `timeLimitMs`. */
export function evaluateInSandbox(
  source: string,
  context: Record<string, unknown>,
  timeLimitMs: number = EXPRESSION_TIME_LIMIT_MS,
): SandboxReply {
  const current = running();
  if (!current.ok) return current;
  const { port, signal } = current.sandbox;
  Atomics.store(signal, REPLY, 0);
  try {
    port.postMessage({ source, context });
  } catch (err) {
    return {
      ok: false,
      reason: `the variables cannot be passed to the expression: ${(err as Error).message}`,
    };
  }
  Atomics.store(signal, REQUEST, 1);
  Atomics.notify(signal, REQUEST);
  if (Atomics.wait(signal, REPLY, 0, timeLimitMs) === 'timed-out') {
    discard(current.sandbox);
    return {
      ok: false,
      reason: `evaluation took longer than ${timeLimitMs} ms and was stopped (limit ${timeLimitMs} ms)`,
    };
  }
  const reply = receiveMessageOnPort(port);
  if (!reply) {
    discard(current.sandbox);
    return { ok: false, reason: 'the expression evaluator stopped without an answer' };
  }
  return reply.message as SandboxReply;
}

// helpers //////

/** The running worker, started (and waited for) on first use or after a runaway evaluation. */
function running(): { ok: true; sandbox: Sandbox } | { ok: false; reason: string } {
  if (!sandbox) {
    sandbox = spare ?? start();
    spare = undefined;
  }
  if (sandbox.ready) return { ok: true, sandbox };
  if (Atomics.wait(sandbox.signal, REPLY, 0, BOOT_TIME_LIMIT_MS) === 'timed-out') {
    discard(sandbox);
    return { ok: false, reason: `the expression evaluator did not start within ${BOOT_TIME_LIMIT_MS} ms` };
  }
  const failure = receiveMessageOnPort(sandbox.port);
  if (failure) {
    discard(sandbox);
    return failure.message as { ok: false; reason: string };
  }
  sandbox.ready = true;
  return { ok: true, sandbox };
}

function start(): Sandbox {
  const { port1, port2 } = new MessageChannel();
  const flags = new SharedArrayBuffer(8);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // plain JavaScript: none of the parent's loaders (tsx) or flags
    execArgv: [],
    workerData: { port: port2, flags, feelinUrl: feelinUrl() },
    transferList: [port2],
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 32 },
  });
  // an out-of-memory or crashed worker is simply replaced on the next evaluation
  worker.on('error', () => {
    if (sandbox?.worker === worker) sandbox = undefined;
    if (spare?.worker === worker) spare = undefined;
  });
  worker.unref();
  port1.unref();
  return { worker, port: port1, signal: new Int32Array(flags), ready: false };
}

/** Where feelin's ESM entry is, as a file URL for the worker's `import()` (resolved once, from this module). */
let feelinEntry: string | undefined;
function feelinUrl(): string {
  feelinEntry ??= pathToFileURL(createRequire(import.meta.url).resolve('feelin')).href;
  return feelinEntry;
}

/** Stops a worker that overran or failed: the spare takes over, and a new spare starts loading in the background. */
function discard(stopped: Sandbox): void {
  stopped.port.close();
  void stopped.worker.terminate().catch(() => undefined);
  if (sandbox !== stopped) return;
  sandbox = spare ?? start();
  spare = start();
}
