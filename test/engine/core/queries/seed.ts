/**
 * A small, fixed population of 报销 instances in sibling counties (中牟, 巩义), a unit under 中牟, no org, a call
 * activity child, and two look-alike paths, with tasks in several states: the query tests assert exact sets on it.
 */
import type { InstanceView } from '../../../../engine/index.js';
import type { TestClock, TestEngine } from '../../../helpers/engine-harness.js';

export const ORGS = {
  zhongmou: { code: '410122', path: '/410000/410100/410122/' },
  zhongmouSchool: { code: '410122001', path: '/410000/410100/410122/410122001/' },
  gongyi: { code: '410181', path: '/410000/410100/410181/' },
  /** `_` is a LIKE wildcard: a prefix `/a_b/` must not match `/axb/`. */
  underscore: { code: 'a_b', path: '/a_b/' },
  lookalike: { code: 'axb', path: '/axb/' },
} as const;

export type SeedName = 'zm' | 'gy' | 'school' | 'none' | 'batch' | 'child' | 'under' | 'look';

export interface Seeded {
  /** Instance id by seed name. */
  readonly id: Record<SeedName, string>;
  readonly view: Record<SeedName, InstanceView>;
  /** Seed names of the given instance ids, sorted (for readable set assertions). */
  names(ids: readonly { id: string }[]): SeedName[];
}

/**
 * - zm (中牟, zm.clerk): filled, waiting at review for candidates reviewerA/reviewerB (unassigned)
 * - gy (巩义, gy.clerk): filled, reviewed by reviewerB (claimed), waiting at approve (director)
 * - school (a unit under 中牟, school.clerk): at fill, copied to cc.user
 * - none (no org, free.clerk): at fill, delegated to helper (owner free.clerk)
 * - batch (巩义, gy.clerk): a call activity; child: its 报销 child, at fill (gy.clerk)
 * - under (/a_b/) at fill; look (/axb/) canceled
 * Each start is one minute after the previous one; the child starts at the same moment as batch.
 */
export async function seed(t: TestEngine, clock: TestClock): Promise<Seeded> {
  const { engine } = t;
  const start = async (
    processKey: string,
    initiator: string,
    businessKey: string,
    org: { code: string; path: string } | undefined,
    variables: Record<string, unknown>,
  ) => {
    clock.advance(60_000);
    return engine.startInstance(processKey, {
      initiator,
      businessKey,
      ...(org ? { org } : {}),
      variables: { initiator, ...variables },
    });
  };
  const taskAt = async (instanceId: string, elementId: string) => {
    const [task] = await engine.listTasks({ instanceId, elementId });
    if (!task) throw new Error(`no open task ${elementId} in ${instanceId}`);
    return task;
  };

  const zm = await start('expense', 'zm.clerk', 'BX-001', ORGS.zhongmou, {
    amountFen: 1000,
    category: '差旅',
  });
  await engine.completeTask((await taskAt(zm.id, 'fill')).id, { actor: 'zm.clerk' });

  const gy = await start('expense', 'gy.clerk', 'BX-002', ORGS.gongyi, { amountFen: 2000, category: '会议' });
  await engine.completeTask((await taskAt(gy.id, 'fill')).id, { actor: 'gy.clerk' });
  const gyReview = await taskAt(gy.id, 'review');
  await engine.claimTask(gyReview.id, { actor: 'reviewerB' });
  await engine.completeTask(gyReview.id, { actor: 'reviewerB', variables: { decision: 'approve' } });

  const school = await start('expense', 'school.clerk', 'BX-003', ORGS.zhongmouSchool, {
    amountFen: 1000,
    category: 'Abc',
  });
  await engine.carbonCopy(school.id, { actor: 'school.clerk', users: ['cc.user'] });

  const none = await start('expense', 'free.clerk', 'BX-004', undefined, {
    amountFen: 1000,
    category: 'abc',
    flag: true,
    note: null,
  });
  await engine.delegateTask((await taskAt(none.id, 'fill')).id, { actor: 'free.clerk', to: 'helper' });

  const batch = await start('expenseBatch', 'gy.clerk', 'BX-005', ORGS.gongyi, {});
  await t.runPendingJobs();
  const [childRecord] = await engine.listInstances({ parentInstanceId: batch.id });
  if (!childRecord) throw new Error('the call activity started no child');

  const under = await start('expense', 'u.clerk', 'BX-006', ORGS.underscore, {});
  const lookStarted = await start('expense', 'l.clerk', 'BX-007', ORGS.lookalike, {});
  await engine.cancelInstance(lookStarted.id, { actor: 'ops', reason: 'duplicate' });

  const view: Record<SeedName, InstanceView> = {
    zm: await engine.getInstance(zm.id),
    gy: await engine.getInstance(gy.id),
    school: await engine.getInstance(school.id),
    none: await engine.getInstance(none.id),
    batch: await engine.getInstance(batch.id),
    child: await engine.getInstance(childRecord.id),
    under: await engine.getInstance(under.id),
    look: await engine.getInstance(lookStarted.id),
  };
  const id = Object.fromEntries(Object.entries(view).map(([k, v]) => [k, v.id])) as Record<SeedName, string>;
  const byId = new Map(Object.entries(id).map(([k, v]) => [v, k as SeedName]));
  return {
    id,
    view,
    names: (items) => items.map((x) => byId.get(x.id) ?? (x.id as SeedName)).sort(),
  };
}
