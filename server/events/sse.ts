/**
 * GET /api/events: the caller's live inbox events as Server-Sent Events (text/event-stream).
 *
 * Authenticated like every API call; the browser's EventSource sends the session cookie (a GET needs no CSRF
 * token). Frames: `id: <n>`, `event: <type>`, `data: {type, instanceId, taskId, elementId, at}`; a `ready` event
 * first, a `: ping` comment after SSE_HEARTBEAT_MS of silence. Events are notifications: there is no replay for
 * `Last-Event-ID`, a client that reconnects re-reads its inbox. At most SSE_MAX_CONNECTIONS_PER_USER streams per
 * user per process (429 beyond).
 *
 * Streaming in koa: the stream is a PassThrough piped to the response by this route (`ctx.respond = false`), the
 * socket timeout is off, and no middleware in app.ts buffers or compresses responses (`X-Accel-Buffering: no`
 * and `no-transform` tell proxies the same).
 */
import type { Server } from 'node:net';
import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import { ApiError, errors } from '../http/api-error.js';
import type { AppServices } from '../services.js';
import { sseHubOf } from './sse-hub.js';

export function mountEvents(router: Router, services: AppServices): void {
  const hub = sseHubOf(services);
  router.get('/events', async (ctx) => {
    const principal = await services.auth.authenticate(ctx);
    if (!principal) throw errors.unauthenticated();
    ctx.state.principal = principal;

    const stream = new PassThrough();
    const socket = ctx.req.socket;
    // net.Server sets `server` on the sockets it accepts; the hub ends the stream once it stops listening
    const server = (socket as typeof socket & { server?: Server }).server;
    const connection = hub.open(principal.userId, stream, server);
    if (!connection)
      throw new ApiError(
        429,
        'TOO_MANY_EVENT_STREAMS',
        `同一用户最多同时打开 ${hub.options.maxConnectionsPerUser} 个实时通知连接，请关闭多余的页面`,
        `At most ${hub.options.maxConnectionsPerUser} event streams per user are allowed`,
        { limit: hub.options.maxConnectionsPerUser },
      );

    socket.setTimeout(0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    ctx.status = 200;
    ctx.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    // koa would pipe a body stream with stream.pipeline and report every client disconnect as an error, so this
    // route writes the response itself: the headers set so far (helmet, request id, the ones above) go out now
    ctx.respond = false;
    const res = ctx.res;
    res.flushHeaders();
    stream.pipe(res);
    res.once('close', () => {
      connection.end();
      stream.unpipe(res);
      stream.destroy();
    });
  });
}
