/**
 * The fault proxy itself: it passes traffic untouched, resets, blackholes and delays on command, and finds a
 * MySQL COMMIT on the wire (drop-after-commit leaves the row committed while the client sees a lost connection).
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { connectDatabase, dropMysqlDatabase, ensureMysqlDatabase } from '../../engine/adapters/index.js';
import { MYSQL_ROOT_URL, uniqueName } from '../helpers/engine-harness.js';
import { FaultProxy, isCommitStatement, MysqlCommandScanner, seededRandom } from './fault-proxy.js';

/** An echo server on loopback. */
async function echoServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends `data` and collects what comes back until `length` bytes arrived, the socket closed, or `ms` passed. */
function roundTrip(
  socket: Socket,
  data: Buffer,
  length: number,
  ms = 2000,
): Promise<{ received: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve({ received: Buffer.concat(parts), closed });
    };
    const onData = (chunk: Buffer) => {
      parts.push(chunk);
      size += chunk.length;
      if (size >= length) done(false);
    };
    const onClose = () => done(true);
    const timer = setTimeout(() => done(socket.destroyed), ms);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', () => {});
    socket.write(data);
  });
}

/** A MySQL packet: 3-byte length, sequence id, payload. */
function packet(sequence: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequence;
  return Buffer.concat([header, payload]);
}

describe('chaos/fault-proxy', function () {
  describe('MySQL COMMIT detection', function () {
    it('should recognise COMMIT in any case, after whitespace and comments, and nothing else', function () {
      for (const sql of [
        'COMMIT',
        'commit;',
        '  Commit WORK',
        '/* tx 7 */ COMMIT;',
        '-- c\nCOMMIT',
        '# c\ncommit',
      ])
        assert.equal(isCommitStatement(sql), true, sql);
      for (const sql of ['ROLLBACK', 'SELECT 1', 'COMMITTED', 'INSERT INTO t VALUES ("COMMIT")', '/* COMMIT'])
        assert.equal(isCommitStatement(sql), false, sql);
    });

    it('should find a COM_QUERY COMMIT packet split over chunks, and ignore the handshake and other commands', function () {
      const scanner = new MysqlCommandScanner();
      const stream = Buffer.concat([
        packet(1, Buffer.from('\u0003COMMIT handshake-like bytes')), // sequence 1: a handshake answer
        packet(0, Buffer.from('\u0003SELECT 1')),
        packet(0, Buffer.concat([Buffer.from([0x16]), Buffer.from('COMMIT')])), // COM_STMT_PREPARE
        packet(0, Buffer.from('\u0003/* k */ COMMIT;')),
        packet(0, Buffer.from('\u0003' + 'x'.repeat(2000))),
        packet(0, Buffer.from('\u0003commit')),
      ]);
      let found = 0;
      for (let i = 0; i < stream.length; i++) found += scanner.feed(stream.subarray(i, i + 1));
      assert.equal(found, 2);
      assert.equal(new MysqlCommandScanner().feed(stream), 2);
    });

    it('should give the same random sequence for the same seed', function () {
      const a = seededRandom(42);
      const b = seededRandom(42);
      const xs = Array.from({ length: 5 }, () => a());
      assert.deepEqual(
        xs,
        Array.from({ length: 5 }, () => b()),
      );
      assert.ok(xs.every((x) => x >= 0 && x < 1));
    });
  });

  describe('on a TCP echo server', function () {
    let echo: { server: Server; port: number };
    let proxy: FaultProxy;
    before(async function () {
      echo = await echoServer();
    });
    beforeEach(async function () {
      proxy = await FaultProxy.start({ targetPort: echo.port, name: 'echo', seed: 7 });
    });
    afterEach(async function () {
      if (this.currentTest?.state === 'failed') console.log(`    ${proxy.describe()}`);
      await proxy.close();
    });
    after(() => new Promise<void>((resolve) => echo.server.close(() => resolve())));

    it('should pass traffic through unchanged in both directions', async function () {
      const socket = await open(proxy.port);
      const data = randomBytes(256 * 1024);
      const { received, closed } = await roundTrip(socket, data, data.length, 5000);
      assert.equal(closed, false);
      assert.ok(received.equals(data), 'the echoed bytes differ from the sent ones');
      assert.equal(proxy.stats.bytesUp, data.length);
      socket.destroy();
    });

    it('should reset the connection on the next chunks when told to, then pass traffic again', async function () {
      proxy.resetNext(1);
      const first = await open(proxy.port);
      const cut = await roundTrip(first, Buffer.from('hello'), 5);
      assert.equal(cut.closed, true, proxy.describe());
      assert.equal(proxy.stats.resetsBefore + proxy.stats.resetsAfter, 1);
      const second = await open(proxy.port);
      const ok = await roundTrip(second, Buffer.from('again'), 5);
      assert.equal(ok.received.toString(), 'again');
      second.destroy();
    });

    it('should reset about the requested share of chunks with resetProbability', async function () {
      proxy.resetProbability(0.3);
      let resets = 0;
      for (let i = 0; i < 60; i++) {
        const socket = await open(proxy.port);
        const { closed } = await roundTrip(socket, Buffer.from('ping'), 4);
        if (closed) resets++;
        socket.destroy();
      }
      assert.equal(resets, proxy.stats.resetsBefore + proxy.stats.resetsAfter, proxy.describe());
      assert.ok(resets >= 6 && resets <= 36, `${resets} of 60 reset at p=0.3 (${proxy.describe()})`);
    });

    it('should forward nothing while blackholed, and deliver the held bytes once healed', async function () {
      const socket = await open(proxy.port);
      proxy.blackhole(true);
      const during = await roundTrip(socket, Buffer.from('held'), 4, 300);
      assert.equal(during.received.length, 0);
      assert.equal(during.closed, false);
      const late = new Promise<Buffer>((resolve) => socket.once('data', resolve));
      proxy.blackhole(false);
      assert.equal((await late).toString(), 'held');
      socket.destroy();
    });

    it('should delay each round trip by at least twice the latency', async function () {
      const socket = await open(proxy.port);
      proxy.latency(100);
      const started = Date.now();
      const { received } = await roundTrip(socket, Buffer.from('slow'), 4);
      const took = Date.now() - started;
      assert.equal(received.toString(), 'slow');
      assert.ok(took >= 190, `round trip took ${took} ms with 100 ms each way`);
      socket.destroy();
    });
  });

  describe('in front of MariaDB', function () {
    const databaseUrl = `${MYSQL_ROOT_URL}/${uniqueName('fbpm_proxy')}`;
    let proxy: FaultProxy;
    before(async function () {
      this.timeout(20_000);
      await ensureMysqlDatabase(databaseUrl);
      const direct = connectDatabase({ url: databaseUrl, poolMax: 1 });
      await direct.schema.createTable('t', (t) => {
        t.string('k', 36).primary();
      });
      await direct.destroy();
      proxy = await FaultProxy.startForMysql(MYSQL_ROOT_URL);
    });
    after(async function () {
      await proxy?.close();
      await dropMysqlDatabase(databaseUrl);
    });

    it('should commit the transaction but cut the client before the OK with dropAfterCommit', async function () {
      const viaProxy = connectDatabase({
        url: proxy.urlThrough(databaseUrl),
        poolMax: 2,
      });
      const direct = connectDatabase({ url: databaseUrl, poolMax: 1 });
      try {
        // given a working connection through the proxy
        assert.equal((await viaProxy('t').count({ n: '*' }).first())?.n, 0);
        // when the next COMMIT is dropped
        proxy.dropAfterCommit();
        const error = await viaProxy
          .transaction(async (trx) => {
            await trx('t').insert({ k: 'ambiguous' });
          })
          .then(
            () => undefined,
            (err: unknown) => err as { code?: string },
          );
        // then the client saw a lost connection, yet the row is there
        assert.ok(error, 'the transaction reported success although its OK was dropped');
        assert.match(String(error.code), /PROTOCOL_CONNECTION_LOST|ECONNRESET|EPIPE/, String(error));
        await proxy.commitDropsDone();
        assert.equal(proxy.stats.commitsDropped, 1);
        assert.deepEqual(
          (await direct('t').select('k')).map((r: { k: string }) => r.k),
          ['ambiguous'],
        );
        // and the pool works again through the proxy
        assert.equal(Number((await viaProxy('t').count({ n: '*' }).first())?.n), 1);
      } finally {
        await viaProxy.destroy();
        await direct.destroy();
      }
    });

    for (const phase of ['before', 'answered'] as const) {
      it(`should show onCommit the transaction's statements and hold the COMMIT ${phase === 'before' ? 'before the server' : 'answer before the client'} gets it`, async function () {
        const viaProxy = connectDatabase({
          url: proxy.urlThrough(databaseUrl),
          poolMax: 2,
        });
        const direct = connectDatabase({ url: databaseUrl, poolMax: 1 });
        const key = `held-${phase}`;
        let seen: readonly string[] = [];
        try {
          // when the hook holds the COMMIT of the transaction naming the key and the "process" then dies
          proxy.onCommit((event) => {
            if (event.phase !== phase || !event.statements.some((sql) => sql.includes(key))) return 'forward';
            seen = event.statements;
            setImmediate(() => proxy.resetAll());
            return 'hold';
          });
          const error = await viaProxy
            .transaction(async (trx) => {
              await trx('t').insert({ k: key });
            })
            .then(
              () => undefined,
              (err: unknown) => err as Error,
            );
          // then the client never learnt the outcome, the hook saw the insert, and the row is there only if
          // the server had the COMMIT
          assert.ok(error, 'the transaction reported success although its COMMIT was held');
          assert.ok(
            seen.some((sql) => /insert into `t`/.test(sql)),
            JSON.stringify(seen),
          );
          const rows = (await direct('t').where({ k: key }).select('k')) as unknown[];
          assert.equal(rows.length, phase === 'before' ? 0 : 1);
          assert.equal(phase === 'before' ? proxy.stats.commitsHeld : proxy.stats.commitAnswersHeld, 1);
        } finally {
          proxy.onCommit(undefined);
          await viaProxy.destroy();
          await direct.destroy();
        }
      });
    }
  });
});
