/**
 * GET /api/events on a real listening server: a user's stream carries the inbox events routed to them and no one
 * else's, in the SSE frame format, with heartbeats; authentication (bearer and the browser's session cookie), the
 * per-user connection cap, cleanup on disconnect and the end of streams on server shutdown. On MariaDB + Bull the
 * bus is Redis, and a second API process on the same database and Redis streams events committed by the first.
 */
import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { createApp } from '../../../server/app.js';
import { openServerRuntime } from '../../../server/compose.js';
import { RedisInboxEventBus } from '../../../server/events/redis-bus.js';
import { InProcessInboxEventBus } from '../../../server/events/bus.js';
import { sseHubOf } from '../../../server/events/sse-hub.js';
import { createTestServer, type TestServer } from '../../helpers/server-harness.js';
import { forEachBackend, waitFor } from '../../helpers/engine-harness.js';

const REVIEWER = 'zhongmou.treasury.reviewer';
const COLLEAGUE = 'zhongmou.treasury.clerk';
const STRANGER = 'gongyi.treasury.reviewer';
const INITIATOR = 'zhongmou.school1.clerk';

const PROCESS_KEY = 'sse_probe';
const BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:fiscal="http://fiscal-bpm.org/schema/1.0/bpmn" id="defs" targetNamespace="http://fiscal-bpm.org/test">
<bpmn:process id="${PROCESS_KEY}" isExecutable="true"><bpmn:startEvent id="start" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
<bpmn:userTask id="review" name="国库审核" fiscal:candidateUsers="${REVIEWER},${COLLEAGUE}" />
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" /><bpmn:endEvent id="end" /></bpmn:process>
</bpmn:definitions>`;

interface SseFrame {
  readonly id?: string;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** A minimal EventSource over node:http: collects frames and comments as they arrive. */
class SseClient {
  readonly frames: SseFrame[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  ended = false;
  private buffer = '';

  private constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.consume(chunk));
    response.on('end', () => (this.ended = true));
    response.on('close', () => (this.ended = true));
  }

  static connect(base: string, headers: Record<string, string>): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = get(`${base}/api/events`, { headers, agent: false }, (res) => resolve(new SseClient(res)));
      req.on('error', reject);
    });
  }

  /** The JSON body of a refused stream. */
  async json(): Promise<Record<string, unknown>> {
    await waitFor(() => this.ended, 'the response to end');
    return JSON.parse(this.buffer) as Record<string, unknown>;
  }

  async next(event: string, what = event): Promise<SseFrame> {
    return waitFor(() => this.frames.find((f) => f.event === event), `${what} on the stream`);
  }

  close(): void {
    this.response.destroy();
  }

  private consume(chunk: string): void {
    this.buffer += chunk;
    if (!String(this.response.headers['content-type']).startsWith('text/event-stream')) return;
    let cut: number;
    while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else {
          const colon = line.indexOf(':');
          fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
        }
      }
      if (fields.retry) this.retry = Number(fields.retry);
      if (fields.event)
        this.frames.push({
          ...(fields.id ? { id: fields.id } : {}),
          event: fields.event,
          data: JSON.parse(fields.data ?? '{}') as Record<string, unknown>,
        });
    }
  }
}

async function listen(app: Koa): Promise<{ server: Server; base: string }> {
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

forEachBackend('GET /api/events', (backend) => {
  let t: TestServer;
  let server: Server;
  let base: string;
  const clients: SseClient[] = [];
  const bearer = async (userId: string) => ({ Authorization: `Bearer ${await t.tokenFor(userId)}` });
  const open = async (headers: Record<string, string>) => {
    const client = await SseClient.connect(base, headers);
    clients.push(client);
    return client;
  };

  before(async function () {
    this.timeout(30_000);
    t = await createTestServer(backend, {
      env: { SSE_HEARTBEAT_MS: '100', SSE_RETRY_MS: '1500', SSE_MAX_CONNECTIONS_PER_USER: '2' },
    });
    await t.engine.deploy(BPMN);
    ({ server, base } = await listen(t.app));
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    if (server) await stop(server);
    await t?.close();
  });

  it(`should use the ${backend === 'mysql' ? 'Redis' : 'in-process'} bus`, () => {
    assert.ok(
      t.services.events instanceof (backend === 'mysql' ? RedisInboxEventBus : InProcessInboxEventBus),
    );
  });

  it('should stream task.opened to the candidates only, and task.taken to the colleague when one claims', async () => {
    const reviewer = await open(await bearer(REVIEWER));
    const colleague = await open(await bearer(COLLEAGUE));
    const stranger = await open(await bearer(STRANGER));
    assert.equal(reviewer.response.statusCode, 200);
    assert.match(String(reviewer.response.headers['content-type']), /^text\/event-stream/);
    assert.match(String(reviewer.response.headers['cache-control']), /no-cache/);
    assert.equal(reviewer.response.headers['x-accel-buffering'], 'no');
    assert.equal(reviewer.response.headers['content-encoding'], undefined);
    const ready = await reviewer.next('ready');
    assert.deepEqual(ready.data, { userId: REVIEWER });
    assert.equal(reviewer.retry, 1500);
    await Promise.all([colleague.next('ready'), stranger.next('ready')]);

    const instance = await t.engine.startInstance(PROCESS_KEY, { initiator: INITIATOR });
    const opened = await reviewer.next('task.opened');
    assert.equal(opened.data.instanceId, instance.id);
    assert.equal(opened.data.elementId, 'review');
    assert.equal(typeof opened.data.taskId, 'string');
    assert.match(String(opened.data.at), /^\d{4}-\d\d-\d\dT/);
    assert.equal(opened.data.users, undefined, 'recipient lists stay on the server');
    assert.match(opened.id ?? '', /^\d+$/);
    await colleague.next('task.opened');

    await t.engine.claimTask(String(opened.data.taskId), { actor: REVIEWER });
    const taken = await colleague.next('task.taken');
    assert.equal(taken.data.taskId, opened.data.taskId);
    assert.ok(Number(taken.id) > Number(opened.id), 'event ids grow');
    assert.equal(
      reviewer.frames.find((f) => f.event === 'task.taken'),
      undefined,
      'the claimer is not told its own claim',
    );
    // the stranger's stream got its ready event and nothing of this instance
    assert.deepEqual(
      stranger.frames.map((f) => f.event),
      ['ready'],
    );
  });

  it('should send comment heartbeats while nothing happens', async () => {
    const client = await open(await bearer(REVIEWER));
    await client.next('ready');
    await waitFor(() => client.comments.includes('ping'), 'a heartbeat comment');
  });

  it('should accept the browser session cookie and refuse a request without credentials with 401', async () => {
    const cookie = await open({ Cookie: `fbpm_session=${await t.tokenFor(COLLEAGUE)}` });
    assert.equal(cookie.response.statusCode, 200);
    assert.deepEqual((await cookie.next('ready')).data, { userId: COLLEAGUE });

    const anonymous = await open({ 'Accept-Language': 'en' });
    assert.equal(anonymous.response.statusCode, 401);
    assert.match(String(anonymous.response.headers['content-type']), /json/);
    const body = await anonymous.json();
    assert.equal(body.code, 'UNAUTHENTICATED');
    assert.match(String(body.message), /Not authenticated/);

    const forged = await open({ Authorization: 'Bearer not-a-token' });
    assert.equal(forged.response.statusCode, 401);
  });

  it('should cap streams per user with 429, and free the slot and the bus subscription on disconnect', async () => {
    const hub = sseHubOf(t.services);
    const first = await open(await bearer(STRANGER));
    const second = await open(await bearer(STRANGER));
    await Promise.all([first.next('ready'), second.next('ready')]);
    assert.equal(hub.connectionsOf(STRANGER), 2);

    const third = await open(await bearer(STRANGER));
    assert.equal(third.response.statusCode, 429);
    const body = await third.json();
    assert.equal(body.code, 'TOO_MANY_EVENT_STREAMS');
    assert.deepEqual(body.details, { limit: 2 });

    first.close();
    await waitFor(() => hub.connectionsOf(STRANGER) === 1, 'the closed stream to be released');
    const again = await open(await bearer(STRANGER));
    assert.equal(again.response.statusCode, 200);

    second.close();
    again.close();
    await waitFor(() => hub.connectionCount === 0, 'every stream to be released');
    assert.equal(hub.subscribed, false, 'no bus subscription without streams');
  });

  it('should end open streams when the HTTP server shuts down, so close() does not wait for them', async () => {
    const extra = await listen(t.app);
    const client = await SseClient.connect(extra.base, await bearer(REVIEWER));
    clients.push(client);
    await client.next('ready');
    await new Promise<void>((resolve) => extra.server.close(() => resolve()));
    await waitFor(() => client.ended, 'the stream to end');
  });

  if (backend === 'mysql')
    it('should stream to a client of another API process an event committed by this one (Redis)', async function () {
      this.timeout(30_000);
      const other = await openServerRuntime(t.config);
      const otherHttp = await listen(createApp(other.services));
      try {
        const client = await SseClient.connect(otherHttp.base, await bearer(COLLEAGUE));
        clients.push(client);
        await client.next('ready');
        const instance = await t.engine.startInstance(PROCESS_KEY, { initiator: INITIATOR });
        const opened = await waitFor(
          () => client.frames.find((f) => f.event === 'task.opened' && f.data.instanceId === instance.id),
          'task.opened on the other process',
        );
        assert.equal(opened.data.elementId, 'review');
      } finally {
        await stop(otherHttp.server);
        await other.close();
      }
    });
});
