/**
 * The HTTP load of issue 8 (scenario 4), shared by the bench (scenarios/http.ts) and the test suite
 * (test/server/load/http-load.test.ts): autocannon on loopback, every connection in a loop of four requests —
 * start an approval as a budget-unit clerk, find its task, read the reviewer's inbox (first page of 20 by due date,
 * the caller's visible set), complete the task as the reviewer. Latency is measured overall (autocannon) and per
 * request kind, from the request's build to its response (one request in flight per connection).
 */
import autocannon from 'autocannon';
import { percentile } from './stats.js';

/** The process the load runs: one user task for a fixed reviewer of the demo directory. */
export const HTTP_LOAD_PROCESS_KEY = 'load_approval';
export const HTTP_LOAD_PROCESS = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="d" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="${HTTP_LOAD_PROCESS_KEY}" isExecutable="true">
<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
<bpmn:userTask id="review" name="国库审核" fiscal:assignee="zhongmou.treasury.reviewer" />
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" />
</bpmn:process></bpmn:definitions>`;
/** Users of the demo directory (processes/org) the load acts as. */
export const HTTP_LOAD_CLERK = 'zhongmou.school1.clerk';
export const HTTP_LOAD_REVIEWER = 'zhongmou.treasury.reviewer';

export type RequestKind = 'start' | 'find' | 'inbox' | 'complete';

export interface HttpLoadOptions {
  /** e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** Bearer tokens of HTTP_LOAD_CLERK and HTTP_LOAD_REVIEWER. */
  readonly clerkToken: string;
  readonly reviewerToken: string;
}

export interface HttpLoadResult {
  readonly seconds: number;
  readonly connections: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  /** Completions answered 200/204, and per second of the run. */
  readonly completions: number;
  readonly instancesCompletedPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly byKind: Record<RequestKind, { n: number; p50Ms: number; p99Ms: number }>;
  /** Inbox pages that broke the contract (more than 20 tasks, or a task not open); at most a few kept. */
  readonly inboxProblems: readonly string[];
}

interface Ctx {
  instanceId?: string;
  taskId?: string;
  /** When the connection's current request was built (performance.now()). */
  sentAt?: number;
}

export async function runHttpApprovalLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const clerk = `Bearer ${options.clerkToken}`;
  const reviewer = `Bearer ${options.reviewerToken}`;
  let completions = 0;
  const latencies: Record<RequestKind, number[]> = { start: [], find: [], inbox: [], complete: [] };
  const inboxProblems: string[] = [];
  /** Marks the request's build time; autocannon sends it at once (one request in flight per connection). */
  const sent = (context: Ctx) => {
    context.sentAt = performance.now();
  };
  const took = (kind: RequestKind, context: Ctx) => {
    if (context.sentAt !== undefined) latencies[kind].push(performance.now() - context.sentAt);
  };
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        path: `/api/process-definition/key/${HTTP_LOAD_PROCESS_KEY}/start`,
        headers: { authorization: clerk, 'content-type': 'application/json' },
        body: JSON.stringify({ variables: { amountFen: 1_250_000 } }),
        setupRequest: (req, context) => {
          sent(context as Ctx);
          return req;
        },
        onResponse: (status, body, context) => {
          took('start', context as Ctx);
          if (status === 200) (context as Ctx).instanceId = JSON.parse(body).id;
        },
      },
      {
        method: 'GET',
        setupRequest: (req, context) => {
          sent(context as Ctx);
          return {
            ...req,
            path: `/api/task?processInstanceId=${String((context as Ctx).instanceId)}`,
            headers: { authorization: reviewer },
          };
        },
        onResponse: (status, body, context) => {
          took('find', context as Ctx);
          if (status === 200) (context as Ctx).taskId = (JSON.parse(body) as { id: string }[])[0]?.id;
        },
      },
      {
        method: 'GET',
        path: '/api/task?sortBy=dueDate&sortOrder=asc&firstResult=0&maxResults=20',
        headers: { authorization: reviewer },
        setupRequest: (req, context) => {
          sent(context as Ctx);
          return req;
        },
        onResponse: (status, body, context) => {
          took('inbox', context as Ctx);
          if (status !== 200 || inboxProblems.length > 5) return;
          const page = JSON.parse(body) as { state: string }[];
          if (page.length > 20) inboxProblems.push(`a page of ${page.length} tasks`);
          const notOpen = page.find((t) => t.state !== 'created');
          if (notOpen) inboxProblems.push(`a task not open: ${JSON.stringify(notOpen)}`);
        },
      },
      {
        method: 'POST',
        setupRequest: (req, context) => {
          sent(context as Ctx);
          return {
            ...req,
            path: `/api/task/${String((context as Ctx).taskId)}/complete`,
            headers: { authorization: reviewer, 'content-type': 'application/json' },
            body: JSON.stringify({ variables: { approved: true } }),
          };
        },
        onResponse: (status, _body, context) => {
          took('complete', context as Ctx);
          if (status === 200 || status === 204) completions++;
        },
      },
    ],
  });
  const byKind = Object.fromEntries(
    Object.entries(latencies).map(([kind, list]) => {
      const p = (q: number) => {
        const v = percentile(list, q);
        return v === null ? NaN : Math.round(v * 10) / 10;
      };
      return [kind, { n: list.length, p50Ms: p(50), p99Ms: p(99) }];
    }),
  ) as HttpLoadResult['byKind'];
  return {
    seconds: options.seconds,
    connections: options.connections,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    completions,
    instancesCompletedPerSecond: Math.round((completions / options.seconds) * 10) / 10,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    byKind,
    inboxProblems,
  };
}
