/**
 * A private `redis-server` for the chaos tests that must kill or wipe Redis (reliability.md §6 scenarios 3 and 4),
 * so the shared Redis on 6379 is never touched.
 *
 * It listens on a free loopback port with no persistence at all (`--save ""`, `--appendonly no`): a
 * `shutdownNoSave()` followed by `restart()` on the same port brings back an empty Redis, which is what a Redis
 * without AOF that crashed looks like to the engine. `noeviction` as in production (README, docker-compose.yml).
 * The process is killed when the test process exits, whatever happens to the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const START_TIMEOUT_MS = 10_000;

/** A free TCP port on loopback (bound once by the OS, then released for the caller). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

export class PrivateRedis {
  /** How many times the server was started (1 after `start`, +1 per `restart`). */
  starts = 0;
  private child: ChildProcess | undefined;
  private readonly killOnExit = () => {
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Starts a private Redis on a free loopback port and waits until it answers PING. */
  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'fbpm-redis-')));
    process.on('exit', redis.killOnExit);
    await redis.spawn();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** `SHUTDOWN NOSAVE`: the server exits at once and everything it held is gone. Resolves when it has exited. */
  async shutdownNoSave(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const admin = new Redis(this.url, {
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    admin.on('error', () => undefined);
    try {
      await admin.connect();
      // the server closes the connection instead of answering
      await admin.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    } finally {
      admin.disconnect();
    }
    const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killed);
    this.child = undefined;
  }

  /** Starts the server again on the same port, empty. */
  async restart(): Promise<void> {
    if (this.running) await this.shutdownNoSave();
    await this.spawn();
  }

  /** Stops the server and removes its working directory. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && this.running) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    this.child = undefined;
    process.off('exit', this.killOnExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Number of keys in the server now (0 right after a restart). */
  async dbSize(): Promise<number> {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.dbsize();
    } finally {
      client.disconnect();
    }
  }

  private async spawn(): Promise<void> {
    const output: string[] = [];
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        '--dir',
        this.dir,
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    this.child = child;
    this.starts++;
    const until = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!this.running)
        throw new Error(`redis-server on port ${this.port} exited at start: ${output.join('').slice(-500)}`);
      const probe = new Redis(this.url, {
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        lazyConnect: true,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // not listening yet
      } finally {
        probe.disconnect();
      }
      if (Date.now() > until)
        throw new Error(
          `redis-server on port ${this.port} did not answer PING within ${START_TIMEOUT_MS} ms`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
