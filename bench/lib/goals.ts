/** The goals of issue 8 that the scenarios of this run can answer, checked against the measured metrics. */
import type { ScenarioResult } from './types.js';

export interface GoalCheck {
  readonly goal: string;
  readonly measured: number | null;
  readonly target: string;
  readonly verdict: 'met' | 'missed' | 'not measured';
  /** What bounds the figure, from the same run (e.g. how busy the box was). */
  readonly note: string;
}

/** The value of a metric `key` of scenario `name`, or null. */
export function metric(
  results: ReadonlyMap<string, ScenarioResult>,
  name: string,
  key: string,
): number | null {
  return results.get(name)?.metrics.find((m) => m.key === key)?.value ?? null;
}

const f = (v: number | null, digits = 2) => (v === null ? '–' : v.toFixed(digits));

export function checkGoals(results: ReadonlyMap<string, ScenarioResult>): GoalCheck[] {
  const m = (name: string, key: string) => metric(results, name, key);
  const check = (
    goal: string,
    measured: number | null,
    target: string,
    ok: (v: number) => boolean,
    note: string,
  ): GoalCheck => ({
    goal,
    measured,
    target,
    verdict: measured === null ? 'not measured' : ok(measured) ? 'met' : 'missed',
    note,
  });
  const t = 'engine-throughput';
  return [
    check(
      'steps/s ÷ ceiling commits/s, 1 worker, same connections',
      m('db-ceiling', 'stepsOverCeiling'),
      '≥ 0.50',
      (v) => v >= 0.5,
      `in-process run: node ${f(m(t, 'p1.cpuNodeCores'))} cores, mariadbd ${f(m(t, 'p1.cpuMariadbCores'))} cores, box ${f(m(t, 'p1.boxBusy'), 0)} % busy; ${f(m(t, 'p1.statementsPerInstance'), 0)} statements per instance`,
    ),
    check(
      'instances/s ÷ bpmn-engine with state serialisation (3b)',
      m('bpmn-engine-peer', 'oursOverSerialized'),
      '≥ 3',
      (v) => v >= 3,
      'ours durable in MariaDB; theirs JSON in memory',
    ),
    check(
      'instances/s ÷ plain in-memory bpmn-engine (3a, better of 1-at-a-time / concurrent)',
      m('bpmn-engine-peer', 'oursOverPlainBest'),
      '≥ 2',
      (v) => v >= 2,
      `ours ${f(m(t, 'p1.cpuNodeMsPerInstance'), 1)} ms node CPU per instance`,
    ),
    check(
      'throughput with 2 worker processes ÷ 1',
      m(t, 'w2.ratioTo1'),
      '≥ 1.6 (until the DB limits)',
      (v) => v >= 1.6,
      `box CPU ${f(m(t, 'p1.boxBusy'), 0)} % busy with 1 process, ${f(m(t, 'w2.boxBusy'), 0)} % with 2, ${f(m(t, 'w4.boxBusy'), 0)} % with 4`,
    ),
    check(
      'worker RSS, largest ÷ smallest waiting-instance count',
      m('memory', 'rssRatio'),
      '0.90 – 1.10',
      (v) => v >= 0.9 && v <= 1.1,
      'state in the database',
    ),
    check(
      'inbox first page p99, every level',
      m('inbox-scale', 'inboxWorstP99Ms'),
      '< 20 ms (at 1,000,000 open tasks)',
      (v) => v < 20,
      `${results.get('inbox-scale')?.title ?? ''}`,
    ),
    check(
      'province open-task count p99',
      m('inbox-scale', 'provinceCountP99Ms'),
      '< 200 ms',
      (v) => v < 200,
      'count over the org subtree',
    ),
    check(
      'timer lateness p99 (timers due evenly over the window)',
      m('timers', 'latenessP99S'),
      '< 1 s',
      (v) => v < 1,
      `${f(m('timers', 'early'), 0)} early, ${f(m('timers', 'firedTwice'), 0)} fired twice; ${f(m('timers', 'firedPerS'), 0)} fired/s; workers ${f(m('timers', 'spreadCpuCores'))} cores`,
    ),
  ];
}
