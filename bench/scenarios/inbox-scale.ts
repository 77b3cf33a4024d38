/**
 * Scenario 5: the inbox at Henan scale. Seeds the Henan org directory (175 regions with their finance bureaus and
 * divisions), 700 departments and 5,000 budget units, ~14,700 users with their roles, and N open tasks (1,000,000
 * at full scale) on as many running instances, each belonging to a budget unit: most wait for the reviewers of a
 * finance division of the unit's region (candidate users), some for a department reviewer, some are assigned to a
 * unit clerk. Then measures, through the engine API, the inbox query (my tasks and my candidate tasks, first page,
 * by due date) for a user at each level, and the manager's count of open tasks in the province's subtree; EXPLAIN
 * shows the index each table is read by.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createEngine, type TaskQuery } from '../../engine/index.js';
import { connectDatabase, openInfrastructure } from '../../engine/adapters/index.js';
import { filterTasks, openTaskCountByOrg, pageOfTasks } from '../../engine/adapters/knex/query-filters.js';
import { seedOrgDirectory } from '../../processes/org/seed-org-directory.js';
import { summarize, nowMs } from '../lib/stats.js';
import type { BenchContext, Metric, ScenarioResult } from '../lib/types.js';

const DEPARTMENTS_PER_REGION = 4;
const UNITS = 5_000;
const REVIEWERS_PER_DIVISION = 3;
/** Divisions whose reviewers receive tasks (国库, 支付中心, 业务处, 预算). */
const TASK_DIVISIONS = ['GK', 'ZFZX', 'JKW', 'YS'];
const BATCH = 1_000;

interface Seeded {
  readonly tasks: number;
  readonly users: number;
  readonly units: number;
  /** A user per level to measure. */
  readonly probes: { readonly label: string; readonly userId: string }[];
}

export async function run(context: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const taskCount = Number(
    process.env.BENCH_INBOX_TASKS ?? (context.config.scale === 'full' ? 1_000_000 : 200_000),
  );
  const samples = Number(process.env.BENCH_INBOX_SAMPLES ?? 300);
  const knex = connectDatabase({ url: context.databaseUrl, poolMax: 4 });
  const bufferPool = await sizeBufferPool(
    context.databaseUrl,
    process.env.BENCH_INNODB_BUFFER_POOL_MB,
    context.log,
  );
  let seeded: Seeded;
  const seedStarted = performance.now();
  try {
    seeded = await seed(knex, taskCount, context.log);
    await knex.raw('ANALYZE TABLE user_tasks, task_candidates, process_instances');
  } catch (err) {
    await bufferPool.restore();
    throw err;
  } finally {
    await knex.destroy();
  }
  const seedS = (performance.now() - seedStarted) / 1000;
  context.log(
    `seeded ${seeded.tasks} open tasks, ${seeded.users} users, ${seeded.units} units in ${seedS.toFixed(0)} s`,
  );

  const infrastructure = await openInfrastructure({
    databaseUrl: context.databaseUrl,
    redisUrl: context.redisUrl,
    queuePrefix: `${context.queuePrefix}_inbox`,
    poolMax: 2,
    migrate: false,
  });
  const engine = createEngine({ store: infrastructure.store, queue: infrastructure.queue });
  const metrics: Metric[] = [];
  const rows: (string | number | null)[][] = [];
  const explains: Record<string, unknown> = {};
  try {
    let worstP99 = 0;
    for (const probe of seeded.probes) {
      const query: TaskQuery = { visibleTo: { userId: probe.userId }, sortBy: 'dueAt', maxResults: 20 };
      const visible = await engine.countTasks({ visibleTo: { userId: probe.userId } });
      const latencies: number[] = [];
      for (let i = 0; i < samples + 20; i++) {
        const t0 = nowMs();
        const page = await engine.listTasks(query);
        if (i >= 20) latencies.push(nowMs() - t0);
        if (page.length === 0 && visible > 0) throw new Error(`empty inbox for ${probe.userId}`);
      }
      const s = summarize(latencies);
      worstP99 = Math.max(worstP99, s.p99 ?? 0);
      explains[probe.label] = await explain(infrastructure.knex, pageOfTasks(infrastructure.knex, query));
      rows.push([
        probe.label,
        probe.userId,
        visible,
        round(s.p50),
        round(s.p99),
        indexSummary(explains[probe.label]),
      ]);
      metrics.push({
        key: `inbox.${probe.label}.p99Ms`,
        label: `inbox p99, ${probe.label}`,
        value: s.p99,
        unit: 'ms',
        print: false,
      });
    }
    metrics.push({
      key: 'inboxWorstP99Ms',
      label: `inbox first page p99, worst level (${seeded.tasks.toLocaleString('en')} open tasks)`,
      value: worstP99,
      unit: 'ms',
    });

    const countQuery: TaskQuery = { orgPathPrefix: '/410000/' };
    const countLatencies: number[] = [];
    let provinceOpen = 0;
    for (let i = 0; i < 23; i++) {
      const t0 = nowMs();
      provinceOpen = await engine.countTasks(countQuery);
      if (i >= 3) countLatencies.push(nowMs() - t0);
    }
    const c = summarize(countLatencies);
    explains.provinceCount = await explain(
      infrastructure.knex,
      openTaskCountByOrg(infrastructure.knex, countQuery.orgPathPrefix),
    );
    // the same count over the open tasks themselves, as it was before the per-org counters (for comparison)
    const scanLatencies: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t0 = nowMs();
      await filterTasks(infrastructure.knex, countQuery).count('* as n').first();
      if (i >= 1) scanLatencies.push(nowMs() - t0);
    }
    const scan = summarize(scanLatencies);
    rows.push([
      'province count',
      '(subtree /410000/)',
      provinceOpen,
      round(c.p50),
      round(c.p99),
      indexSummary(explains.provinceCount),
    ]);
    metrics.push({
      key: 'provinceCountP99Ms',
      label: 'open tasks in the province subtree, count p99',
      value: c.p99,
      unit: 'ms',
      note: `sum of per-org counters; counting the open tasks themselves takes p50 ${round(scan.p50)} ms`,
    });
    metrics.push({
      key: 'inboxSeedS',
      label: 'seeding the Henan-scale inbox',
      value: seedS,
      unit: 's',
      print: false,
    });
  } finally {
    await engine.stop();
    await bufferPool.restore();
    await infrastructure.close();
  }
  return {
    name: 'inbox-scale',
    title: `Inbox at Henan scale (${seeded.users.toLocaleString('en')} users, ${seeded.units.toLocaleString('en')} units, ${seeded.tasks.toLocaleString('en')} open tasks; InnoDB buffer pool ${bufferPool.mb} MB)`,
    metrics,
    details: { seeded: { tasks: seeded.tasks, users: seeded.users, units: seeded.units }, explains },
    tables: [
      {
        title: 'Inbox query (first page of 20 by due date) and the province count, through the engine API',
        headers: ['who', 'user', 'visible open tasks', 'p50 ms', 'p99 ms', 'indexes (EXPLAIN)'],
        rows,
      },
    ],
    wallS: (performance.now() - started) / 1000,
  };
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

async function explain(knex: Knex, q: Knex.QueryBuilder): Promise<unknown> {
  const { sql, bindings } = q.toSQL();
  const [rows] = (await knex.raw(`EXPLAIN ${sql}`, bindings as Knex.RawBinding[])) as [
    Record<string, unknown>[],
  ];
  return rows.map((r) => ({ table: r.table, type: r.type, key: r.key, rows: r.rows, extra: r.Extra }));
}

function indexSummary(plan: unknown): string {
  return (plan as { table: string; key: string | null; type: string }[])
    .map((r) => `${r.table}:${r.key ?? r.type}`)
    .join(' ');
}

/** Seeds the directory and the open tasks with multi-row INSERTs. */
async function seed(knex: Knex, taskCount: number, log: (m: string) => void): Promise<Seeded> {
  await seedOrgDirectory(knex);
  const regions: { code: string; path: string; level: string }[] = await knex('orgs')
    .where({ kind: 'region' })
    .select('code', 'path', 'level');
  const now = new Date();
  const validFrom = new Date(Date.UTC(2024, 0, 1));
  const orgRows: Record<string, unknown>[] = [];
  const userRows: Record<string, unknown>[] = [];
  const roleRows: Record<string, unknown>[] = [];
  const addUser = (id: string, orgCode: string, role: string) => {
    userRows.push({ id, name: id, org_code: orgCode, disabled: false, created_at: now });
    roleRows.push({ user_id: id, role, org_code: orgCode });
  };
  /** Per region: reviewers of the task divisions, department reviewers, and units with their clerks. */
  const byRegion = new Map<
    string,
    {
      financeReviewers: string[][];
      departmentReviewers: string[];
      units: { code: string; path: string; clerks: string[] }[];
    }
  >();
  let unitSerial = 0;
  for (const [r, region] of regions.entries()) {
    const bureau = `${region.code}-CZ`;
    const financeReviewers = TASK_DIVISIONS.map((suffix) => {
      const ids: string[] = [];
      for (let i = 1; i <= REVIEWERS_PER_DIVISION; i++) {
        const id = `b${region.code}.${suffix.toLowerCase()}.r${i}`;
        addUser(id, `${bureau}-${suffix}`, 'reviewer');
        ids.push(id);
      }
      return ids;
    });
    // the other divisions and the bureau's leaders have staff too (they get no tasks here)
    for (const suffix of ['JX', 'FS', 'ZC', 'PSZX', 'JD'])
      for (let i = 1; i <= 3; i++)
        addUser(`b${region.code}.${suffix.toLowerCase()}.s${i}`, `${bureau}-${suffix}`, 'reviewer');
    addUser(`b${region.code}.deputy`, bureau, 'deputy_director');
    addUser(`b${region.code}.director`, bureau, 'director');
    const departmentReviewers: string[] = [];
    const units: { code: string; path: string; clerks: string[] }[] = [];
    for (let d = 1; d <= DEPARTMENTS_PER_REGION; d++) {
      const code = `${region.code}-BM-D${d}`;
      const path = `${region.path}${code}/`;
      orgRows.push({
        code,
        name: `部门${d}`,
        short_name: `部门${d}`,
        kind: 'department',
        level: region.level,
        parent_code: region.code,
        path,
        valid_from: validFrom,
        is_directly_administered: false,
      });
      const reviewer = `d${region.code}.${d}.r1`;
      addUser(reviewer, code, 'reviewer');
      addUser(`d${region.code}.${d}.c1`, code, 'chief');
      departmentReviewers.push(reviewer);
      const departmentTotal = regions.length * DEPARTMENTS_PER_REGION;
      const departmentIndex = r * DEPARTMENTS_PER_REGION + (d - 1);
      const unitsHere =
        Math.floor(UNITS / departmentTotal) + (departmentIndex < UNITS % departmentTotal ? 1 : 0);
      for (let u = 1; u <= unitsHere; u++) {
        unitSerial++;
        const unitCode = `${code}-${String(u).padStart(3, '0')}`;
        const unitPath = `${path}${unitCode}/`;
        orgRows.push({
          code: unitCode,
          name: `单位${unitSerial}`,
          short_name: `单位${unitSerial}`,
          kind: 'budget_unit',
          level: region.level,
          parent_code: code,
          path: unitPath,
          valid_from: validFrom,
          is_directly_administered: false,
        });
        const clerks = [`u${unitSerial}.clerk`];
        addUser(clerks[0]!, unitCode, 'clerk');
        if (unitSerial % 3 !== 0) addUser(`u${unitSerial}.chief`, unitCode, 'chief');
        units.push({ code: unitCode, path: unitPath, clerks });
      }
    }
    byRegion.set(region.code, { financeReviewers, departmentReviewers, units });
  }
  for (let i = 0; i < orgRows.length; i += BATCH) await knex('orgs').insert(orgRows.slice(i, i + BATCH));
  for (let i = 0; i < userRows.length; i += BATCH) await knex('users').insert(userRows.slice(i, i + BATCH));
  for (let i = 0; i < roleRows.length; i += BATCH)
    await knex('user_roles').insert(roleRows.slice(i, i + BATCH));
  log(
    `directory: ${regions.length} regions, ${orgRows.length} departments and units, ${userRows.length} users`,
  );

  const definitionId = randomUUID();
  const regionList = [...byRegion.values()];
  const day = 86_400_000;
  let seededTasks = 0;
  const t0 = Date.now();
  // deterministic pseudo-random choices (a 32-bit LCG), so every run seeds the same shape
  let state = 20261127;
  const random = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) % n;
  };
  while (seededTasks < taskCount) {
    const n = Math.min(BATCH, taskCount - seededTasks);
    const instances: Record<string, unknown>[] = [];
    const tasks: Record<string, unknown>[] = [];
    const candidates: Record<string, unknown>[] = [];
    for (let k = 0; k < n; k++) {
      const serial = seededTasks + k;
      // more work where there are more units; every region gets some
      const region = regionList[random(regionList.length)]!;
      const unit = region.units[random(region.units.length)]!;
      const instanceId = randomUUID();
      const taskId = randomUUID();
      const created = new Date(t0 - (serial % 30) * day - (serial % 997) * 60_000);
      instances.push({
        id: instanceId,
        definition_id: definitionId,
        process_key: 'treasuryPayment',
        business_key: `ZF${serial}`,
        initiator: unit.clerks[0],
        status: 'running',
        version: 3,
        started_at: created,
        updated_at: created,
        org_code: unit.code,
        org_path: unit.path,
      });
      const pick = random(20);
      let assignee: string | null = null;
      if (pick < 3) assignee = unit.clerks[0]!; // 15 %: back with the unit's clerk
      tasks.push({
        id: taskId,
        instance_id: instanceId,
        execution_id: randomUUID(),
        process_key: 'treasuryPayment',
        element_id: pick < 3 ? 'resubmit' : pick < 8 ? 'departmentReview' : 'financeReview',
        name: '审核',
        state: 'created',
        assignee,
        org_path: unit.path,
        priority: 50,
        due_at: new Date(t0 + ((serial % 61) - 30) * day),
        created_at: created,
      });
      if (assignee === null) {
        const holders =
          pick < 8
            ? [region.departmentReviewers[random(region.departmentReviewers.length)]!]
            : region.financeReviewers[random(TASK_DIVISIONS.length)]!;
        for (const h of holders) candidates.push({ task_id: taskId, kind: 'user', value: h });
      }
    }
    await knex('process_instances').insert(instances);
    await knex('user_tasks').insert(tasks);
    if (candidates.length) await knex('task_candidates').insert(candidates);
    seededTasks += n;
    if (seededTasks % 100_000 === 0) log(`  ${seededTasks.toLocaleString('en')} tasks`);
  }
  // the tasks were inserted directly, not committed through the engine: count them into the per-org open-task
  // counters as the migration that created the counters does for existing tasks
  await knex('org_open_task_counts').delete();
  await knex('org_open_task_counts').insert(
    knex('user_tasks')
      .select(knex.raw("COALESCE(org_path, '') as org_path"), knex.raw('0 as shard'))
      .count('* as open_count')
      .where('state', 'created')
      .groupByRaw("COALESCE(org_path, '')"),
  );
  const zhongmou = byRegion.get('410122')!;
  const zhengzhou = byRegion.get('410100')!;
  const henan = byRegion.get('410000')!;
  return {
    tasks: seededTasks,
    users: userRows.length,
    units: unitSerial,
    probes: [
      { label: 'province 国库处 reviewer', userId: henan.financeReviewers[0]![0]! },
      { label: 'city 国库科 reviewer', userId: zhengzhou.financeReviewers[0]![0]! },
      { label: 'county 国库股 reviewer', userId: zhongmou.financeReviewers[0]![0]! },
      { label: 'county department reviewer', userId: zhongmou.departmentReviewers[0]! },
      { label: 'budget-unit clerk', userId: zhongmou.units[0]!.clerks[0]! },
    ],
  };
}

/**
 * The InnoDB buffer pool for this scenario: as configured, or `requestedMb` (BENCH_INNODB_BUFFER_POOL_MB) for its
 * duration — MariaDB resizes it online; `restore()` puts the old size back. A production server is given several GB
 * (docs/operations.md); the default 128 MB cannot hold the working set of 1,000,000 open tasks.
 */
async function sizeBufferPool(
  databaseUrl: string,
  requestedMb: string | undefined,
  log: (m: string) => void,
): Promise<{ mb: number; restore(): Promise<void> }> {
  const withDb = async <T>(fn: (db: Knex) => Promise<T>): Promise<T> => {
    const db = connectDatabase({ url: databaseUrl, poolMax: 1 });
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  };
  const current = (db: Knex) =>
    db.raw('SELECT @@innodb_buffer_pool_size AS size').then(([rows]) => Number(rows[0].size));
  const resize = async (db: Knex, bytes: number) => {
    await db.raw('SET GLOBAL innodb_buffer_pool_size = ?', [bytes]);
    for (let i = 0; i < 600; i++) {
      const [rows] = (await db.raw("SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'")) as [
        { Value?: string }[],
      ];
      const status = rows[0]?.Value ?? '';
      if (status === '' || /completed|finished/i.test(status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return current(db);
  };
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const original = await withDb(current);
  if (!requestedMb) return { mb: mb(original), restore: async () => {} };
  const sized = await withDb((db) => resize(db, Number(requestedMb) * 1024 * 1024));
  log(`InnoDB buffer pool ${mb(original)} MB → ${mb(sized)} MB for this scenario`);
  let restored = false;
  return {
    mb: mb(sized),
    restore: async () => {
      if (restored) return;
      restored = true;
      await withDb((db) => resize(db, original));
      log(`InnoDB buffer pool back to ${mb(original)} MB`);
    },
  };
}
