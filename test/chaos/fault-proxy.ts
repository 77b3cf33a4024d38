/**
 * A TCP fault proxy on loopback, put between a client and MariaDB (or Redis) by the chaos tests.
 *
 * The test points the client at `proxy.port` and turns faults on and off while traffic flows:
 * - `latency(ms)`: every chunk, in both directions, is delivered `ms` later (order kept);
 * - `resetNext(n)` / `resetProbability(p)`: the next n client chunks, or each client chunk with probability p,
 *   reset the connection (both sockets destroyed with RST). A reset either drops the chunk ("before": the server
 *   never sees the statement) or forwards it and cuts the connection when the server answers ("after": the
 *   server ran the statement, the client never learns it). The seeded random source picks which;
 * - `blackhole(on)`: connections are accepted, but nothing is forwarded either way while it is on; the bytes are
 *   held and delivered when it is switched off, as TCP retransmission would after a partition heals;
 * - `dropAfterCommit(n)` (MySQL only): the next n `COMMIT`s are forwarded to the server, and when the server's
 *   answer comes back the client socket is destroyed instead: the transaction is committed, the client sees a
 *   lost connection (reliability.md §3, "ambiguous commit");
 * - `onCommit(hook)` (MySQL only): the hook sees each COMMIT twice, with the statements of its transaction: when
 *   the COMMIT arrives from the client (phase `before`, not yet forwarded) and when the server's answer to it
 *   arrives (phase `answered`, not yet delivered). Answering `hold` keeps that packet, and everything after it on
 *   the connection, from being forwarded: a test kills the client process at exactly that point (API SIGKILL
 *   before / after COMMIT, reliability.md §6 scenario 2) without any hook in the product.
 *
 * Finding the COMMIT in the MySQL client/server protocol, and nothing more: every packet is a 3-byte little-endian
 * payload length, a 1-byte sequence id and the payload. A client command starts a new exchange, so its packet has
 * sequence id 0, and the payload's first byte is the command; 0x03 is COM_QUERY, followed by the SQL text. The
 * handshake answer (sequence id 1) and auth-switch answers (id > 0) therefore never match. We cut the client stream
 * into packets by their headers, keep the first bytes of each payload, and call a COM_QUERY a commit when its text,
 * after whitespace and comments (`/* … *\/`, `-- …`, `# …`), starts with the word COMMIT (knex sends `COMMIT;`).
 * TLS and protocol compression are not supported (the tests use neither); packets of 16 MB and more are skipped.
 *
 * Randomness comes from a seeded generator (`seed`, or FAULT_SEED from the environment); `describe()` gives the
 * seed and the fault counts for failure messages, so a failing run can be replayed.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FaultProxyOptions {
  /** Where the real server listens. */
  readonly targetPort: number;
  readonly targetHost?: string;
  /** `mysql` enables `dropAfterCommit`; `raw` is any TCP protocol (Redis). */
  readonly protocol?: 'mysql' | 'raw';
  /** Seed of the random source (default: FAULT_SEED, or a fresh one). */
  readonly seed?: number;
  /** Name used in messages. */
  readonly name?: string;
}

/** A COMMIT seen on a MySQL connection, for `onCommit`. */
export interface CommitEvent {
  /** `before`: the COMMIT came from the client and is not forwarded yet; `answered`: the server's answer came. */
  readonly phase: 'before' | 'answered';
  /**
   * The start (16 KB) of each statement of the transaction: sent on this connection since its START TRANSACTION
   * or BEGIN (or, without one, since the previous COMMIT/ROLLBACK).
   */
  readonly statements: readonly string[];
}

/** Returns `hold` to keep the packet (and all later traffic of that connection) from being forwarded. */
export type CommitHook = (event: CommitEvent) => 'hold' | 'forward' | void;

export interface FaultProxyStats {
  connections: number;
  open: number;
  resetsBefore: number;
  resetsAfter: number;
  commitsSeen: number;
  commitsDropped: number;
  /** COMMITs (phase `before`) and COMMIT answers (phase `answered`) kept back by the commit hook. */
  commitsHeld: number;
  commitAnswersHeld: number;
  bytesUp: number;
  bytesDown: number;
}

/** mulberry32: a small seeded generator with a 32-bit state, good enough to pick faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True when the SQL text, after leading whitespace and comments, begins with the word COMMIT. */
export function isCommitStatement(sql: string): boolean {
  let rest = sql;
  for (;;) {
    const trimmed = rest.replace(/^\s+/, '');
    if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/', 2);
      if (end < 0) return false;
      rest = trimmed.slice(end + 2);
    } else if (trimmed.startsWith('-- ') || trimmed.startsWith('#')) {
      const end = trimmed.indexOf('\n');
      if (end < 0) return false;
      rest = trimmed.slice(end + 1);
    } else {
      return /^commit\b/i.test(trimmed);
    }
  }
}

const COM_QUERY = 0x03;
/** Bytes of a payload kept to recognise a COMMIT (room for a comment before it) and to show a statement. */
const HEAD_BYTES = 16 * 1024;
/** Statements of one transaction kept for `onCommit` (the first ones; a transaction longer than this is cut). */
const MAX_TRANSACTION_STATEMENTS = 200;

/**
 * Cuts a MySQL client→server byte stream into packets without copying whole payloads, and reports each
 * COM_QUERY (sequence id 0) whose text is a COMMIT.
 */
export class MysqlCommandScanner {
  private header = Buffer.alloc(0);
  private remaining = 0;
  private head: Buffer[] = [];
  private headLength = 0;
  private sequence = -1;
  private length = 0;
  private transaction: string[] = [];
  /** The statements of the transaction that the last COMMIT seen ended. */
  lastCommitted: readonly string[] = [];

  /** Feeds a chunk; returns how many COMMIT packets ended in it. */
  feed(chunk: Buffer): number {
    let commits = 0;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining === 0 && this.header.length < 4) {
        const take = Math.min(4 - this.header.length, chunk.length - offset);
        this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + take)]);
        offset += take;
        if (this.header.length < 4) break;
        this.length = this.header.readUIntLE(0, 3);
        this.sequence = this.header[3]!;
        this.remaining = this.length;
        this.head = [];
        this.headLength = 0;
        if (this.length === 0) this.header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - offset);
      if (this.headLength < HEAD_BYTES) {
        const keep = chunk.subarray(offset, offset + Math.min(take, HEAD_BYTES - this.headLength));
        this.head.push(keep);
        this.headLength += keep.length;
      }
      offset += take;
      this.remaining -= take;
      if (this.remaining === 0) {
        if (this.packetIsCommit()) commits++;
        this.header = Buffer.alloc(0);
      }
    }
    return commits;
  }

  private packetIsCommit(): boolean {
    if (this.sequence !== 0 || this.length >= 0xffffff) return false;
    const payload = Buffer.concat(this.head);
    if (payload[0] !== COM_QUERY) return false;
    const sql = payload.subarray(1).toString('utf8');
    if (isCommitStatement(sql)) {
      this.lastCommitted = this.transaction;
      this.transaction = [];
      return true;
    }
    if (/^\s*rollback\b/i.test(sql)) this.transaction = [];
    else {
      // a transaction begins: what ran before it on this connection (autocommit statements) is not part of it
      if (/^\s*(start\s+transaction|begin)\b/i.test(sql)) this.transaction = [];
      if (this.transaction.length < MAX_TRANSACTION_STATEMENTS) this.transaction.push(sql);
    }
    return false;
  }
}

/** One direction of one connection: chunks wait here for their latency and for the blackhole to end. */
class Lane {
  private readonly queue: { chunk: Buffer; due: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly proxy: FaultProxy,
    private readonly destination: Socket,
    private readonly afterWrite: (chunk: Buffer) => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    this.queue.push({ chunk, due: Date.now() + this.proxy.latencyMs });
    this.pump();
  }

  pump(): void {
    if (this.timer) return;
    while (this.queue.length > 0 && !this.proxy.blackholed && !this.destination.destroyed) {
      const head = this.queue[0]!;
      const wait = head.due - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.queue.shift();
      this.destination.write(head.chunk);
      this.afterWrite(head.chunk);
    }
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

/** One proxied client connection. */
class Link {
  readonly up: Lane;
  readonly down: Lane;
  private readonly scanner: MysqlCommandScanner | undefined;
  /** Set when the next server answer must not reach the client: why the link is cut then. */
  private cutOnAnswer: 'reset' | 'commit' | undefined;
  /** The statements of a COMMIT whose answer the commit hook wants to see. */
  private commitAwaitingAnswer: readonly string[] | undefined;
  /** Set when the commit hook held a packet: nothing more is forwarded; the test kills the client. */
  private held = false;
  private closed = false;

  constructor(
    private readonly proxy: FaultProxy,
    readonly client: Socket,
    readonly server: Socket,
  ) {
    this.scanner = proxy.protocol === 'mysql' ? new MysqlCommandScanner() : undefined;
    this.up = new Lane(proxy, server);
    this.down = new Lane(proxy, client);
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    server.on('data', (chunk: Buffer) => this.fromServer(chunk));
    const end = () => this.close(false);
    client.on('close', end);
    server.on('close', end);
    client.on('error', () => this.close(false));
    server.on('error', () => this.close(false));
  }

  private fromClient(chunk: Buffer): void {
    if (this.closed || this.held) return;
    this.proxy.stats.bytesUp += chunk.length;
    const commits = this.scanner?.feed(chunk) ?? 0;
    if (commits > 0) {
      this.proxy.stats.commitsSeen += commits;
      const hook = this.proxy.commitHook;
      if (hook) {
        const statements = this.scanner!.lastCommitted;
        if (hook({ phase: 'before', statements }) === 'hold') {
          this.held = true;
          this.proxy.stats.commitsHeld++;
          return;
        }
        this.commitAwaitingAnswer = statements;
      }
      if (this.proxy.takeCommitDrop()) {
        this.cutOnAnswer = 'commit';
        this.up.push(chunk);
        return;
      }
    }
    const reset = this.proxy.takeReset();
    if (reset === 'before') {
      this.proxy.stats.resetsBefore++;
      this.close(true);
      return;
    }
    if (reset === 'after') this.cutOnAnswer = 'reset';
    this.up.push(chunk);
  }

  private fromServer(chunk: Buffer): void {
    if (this.closed || this.held) return;
    const awaited = this.commitAwaitingAnswer;
    if (awaited) {
      this.commitAwaitingAnswer = undefined;
      if (this.proxy.commitHook?.({ phase: 'answered', statements: awaited }) === 'hold') {
        this.held = true;
        this.proxy.stats.commitAnswersHeld++;
        return;
      }
    }
    if (this.cutOnAnswer) {
      if (this.cutOnAnswer === 'commit') {
        this.proxy.stats.commitsDropped++;
        this.proxy.commitDropped();
      } else {
        this.proxy.stats.resetsAfter++;
      }
      this.close(true);
      return;
    }
    this.proxy.stats.bytesDown += chunk.length;
    this.down.push(chunk);
  }

  /** Closes both sockets; with `reset`, as a TCP RST (what a crashed middlebox or peer looks like). */
  close(reset: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.up.clear();
    this.down.clear();
    for (const socket of [this.client, this.server]) {
      if (reset && typeof socket.resetAndDestroy === 'function' && !socket.destroyed && !socket.connecting)
        socket.resetAndDestroy();
      else socket.destroy();
    }
    this.proxy.forget(this);
  }
}

export class FaultProxy {
  readonly seed: number;
  readonly protocol: 'mysql' | 'raw';
  readonly name: string;
  readonly stats: FaultProxyStats = {
    connections: 0,
    open: 0,
    resetsBefore: 0,
    resetsAfter: 0,
    commitsSeen: 0,
    commitsDropped: 0,
    commitsHeld: 0,
    commitAnswersHeld: 0,
    bytesUp: 0,
    bytesDown: 0,
  };
  latencyMs = 0;
  blackholed = false;
  /** @internal set with `onCommit` */
  commitHook: CommitHook | undefined;
  private readonly random: () => number;
  private resetsPending = 0;
  private resetChance = 0;
  private commitDropsPending = 0;
  /** Armed drops not yet done (pending, or COMMIT forwarded and its answer not back yet). */
  private commitDropsOutstanding = 0;
  private commitWaiters: Array<() => void> = [];
  private readonly links = new Set<Link>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: FaultProxyOptions,
    seed: number,
  ) {
    this.seed = seed;
    this.protocol = options.protocol ?? 'raw';
    this.name = options.name ?? `proxy:${options.targetPort}`;
    this.random = seededRandom(seed);
  }

  /** Starts a proxy on an ephemeral loopback port. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const seed =
      options.seed ??
      (process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : Math.floor(Math.random() * 2 ** 31));
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');
    const proxy = new FaultProxy(server, address.port, options, seed);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** Starts a MySQL-protocol proxy in front of the MariaDB server of `serverUrl` (mysql://user@host:port). */
  static startForMysql(serverUrl: string, options: { seed?: number } = {}): Promise<FaultProxy> {
    const server = new URL(serverUrl);
    return FaultProxy.start({
      targetPort: Number(server.port || 3306),
      targetHost: server.hostname,
      protocol: 'mysql',
      name: 'mariadb',
      ...options,
    });
  }

  /** `url`, a URL of the proxied server (with a port), pointed at this proxy instead. */
  urlThrough(url: string): string {
    return url.replace(/:\d+\//, `:${this.port}/`);
  }

  /** Adds `ms` of delay to every chunk in both directions (0 to remove it). */
  latency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  /** The next `n` client chunks reset their connection. */
  resetNext(n: number): void {
    this.resetsPending = Math.max(0, n);
  }

  /** Each client chunk resets its connection with probability `p` (0 to stop). */
  resetProbability(p: number): void {
    this.resetChance = Math.min(1, Math.max(0, p));
  }

  /** While on, nothing is forwarded in either direction; held bytes flow again when switched off. */
  blackhole(on: boolean): void {
    this.blackholed = on;
    if (on) return;
    for (const link of this.links) {
      link.up.pump();
      link.down.pump();
    }
  }

  /** The next `n` COMMITs (MySQL) are applied by the server, but the client's connection is cut before the OK. */
  dropAfterCommit(n = 1): void {
    if (this.protocol !== 'mysql') throw new Error('dropAfterCommit needs protocol "mysql"');
    this.commitDropsPending += n;
    this.commitDropsOutstanding += n;
  }

  /**
   * Calls `hook` for every COMMIT (MySQL), before forwarding it and when its answer arrives; `undefined` removes
   * it. The hook runs synchronously on the proxy's data path: it decides, and may signal a process, but must
   * not wait.
   */
  onCommit(hook: CommitHook | undefined): void {
    if (hook && this.protocol !== 'mysql') throw new Error('onCommit needs protocol "mysql"');
    this.commitHook = hook;
  }

  /** Resolves once every armed commit drop has happened. */
  async commitDropsDone(): Promise<void> {
    if (this.commitDropsOutstanding === 0) return;
    await new Promise<void>((resolve) => this.commitWaiters.push(resolve));
  }

  /** Turns every fault off. */
  heal(): void {
    this.latency(0);
    this.resetNext(0);
    this.resetProbability(0);
    this.commitDropsPending = 0;
    this.commitDropsOutstanding = 0;
    this.commitDropped();
    this.blackhole(false);
  }

  /** Resets every open connection now (a restart of the middlebox). */
  resetAll(): void {
    for (const link of [...this.links]) link.close(true);
  }

  /** Seed and fault counts, for assertion messages: rerun with FAULT_SEED=<seed> to replay the choices. */
  describe(): string {
    const s = this.stats;
    return (
      `${this.name} seed=${this.seed} (FAULT_SEED=${this.seed}) connections=${s.connections} open=${s.open} ` +
      `resets(before/after)=${s.resetsBefore}/${s.resetsAfter} commits seen/dropped=${s.commitsSeen}/${s.commitsDropped}`
    );
  }

  async close(): Promise<void> {
    this.heal();
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // used by the links //////

  /** @internal */
  takeReset(): 'before' | 'after' | undefined {
    let hit = false;
    if (this.resetsPending > 0) {
      this.resetsPending--;
      hit = true;
    } else if (this.resetChance > 0 && this.random() < this.resetChance) {
      hit = true;
    }
    if (!hit) return undefined;
    return this.random() < 0.5 ? 'before' : 'after';
  }

  /** @internal */
  takeCommitDrop(): boolean {
    if (this.commitDropsPending === 0) return false;
    this.commitDropsPending--;
    return true;
  }

  /** @internal */
  commitDropped(): void {
    this.commitDropsOutstanding = Math.max(0, this.commitDropsOutstanding - 1);
    if (this.commitDropsOutstanding > 0) return;
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** @internal */
  forget(link: Link): void {
    if (this.links.delete(link)) this.stats.open--;
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    const upstream = connect({
      port: this.options.targetPort,
      host: this.options.targetHost ?? '127.0.0.1',
      noDelay: true,
    });
    this.stats.connections++;
    this.stats.open++;
    this.links.add(new Link(this, client, upstream));
  }
}
