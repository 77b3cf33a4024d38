/**
 * CPU accounting from /proc: user+system time of given processes (node workers, mariadbd, redis-server)
 * and of the whole box, between two samples. Linux only; elsewhere every figure is null.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second of /proc times (CLK_TCK, 100 on almost every Linux). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** The pids of a program by exact name (`pgrep -x`), [] when none runs. */
export function pidsOf(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', name], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** CPU seconds (user + system) a process has used so far, or null when it is gone or /proc is missing. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name (which may contain spaces)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / clockTicksPerSecond();
  } catch {
    return null;
  }
}

/** Resident set size of a process in bytes, or null. */
export function processRssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds of the whole box (all cores) from /proc/stat, by where they went; null without /proc. */
interface BoxCpu {
  /** user + nice + system: processes. */
  readonly processes: number;
  /** irq + softirq: the kernel's interrupt work, mostly network (loopback to MariaDB and Redis included). */
  readonly interrupts: number;
  /** Time the hypervisor gave to other guests. */
  readonly steal: number;
  readonly idle: number;
  readonly total: number;
}

function boxCpuSeconds(): BoxCpu | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const hz = clockTicksPerSecond();
    return {
      processes: (user + nice + system) / hz,
      interrupts: (irq + softirq) / hz,
      steal: steal / hz,
      idle: (idle + iowait) / hz,
      total: (user + nice + system + idle + iowait + irq + softirq + steal) / hz,
    };
  } catch {
    return null;
  }
}

export type CpuGroups = Record<string, readonly number[]>;

export interface CpuSnapshot {
  readonly atMs: number;
  readonly groups: Record<string, number | null>;
  readonly box: BoxCpu | null;
}

/** Samples CPU seconds of named groups of pids (e.g. { node: [...], mariadbd: [...], 'redis-server': [...] }). */
export function sampleCpu(groups: CpuGroups): CpuSnapshot {
  const out: Record<string, number | null> = {};
  for (const [name, pids] of Object.entries(groups)) {
    let sum: number | null = pids.length > 0 ? 0 : null;
    for (const pid of pids) {
      const s = processCpuSeconds(pid);
      if (s === null) {
        sum = null;
        break;
      }
      sum = (sum ?? 0) + s;
    }
    out[name] = sum;
  }
  return { atMs: performance.now(), groups: out, box: boxCpuSeconds() };
}

export interface CpuUsage {
  readonly wallS: number;
  /** CPU seconds used by each group in the window. */
  readonly seconds: Record<string, number | null>;
  /** The same as cores kept busy on average (seconds ÷ wall). */
  readonly cores: Record<string, number | null>;
  /** Share of all CPU the box had (all cores) that was busy, 0..1. */
  readonly boxBusy: number | null;
  readonly boxCores: number;
  /** Cores kept busy by processes outside the groups (other users of the box: noise in the figures). */
  readonly otherCores: number | null;
  /** Cores spent in the kernel's interrupt handling (irq + softirq; mostly loopback networking). */
  readonly interruptCores: number | null;
  /** Cores the hypervisor gave to other guests. */
  readonly stealCores: number | null;
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, boxCores: number): CpuUsage {
  const wallS = (after.atMs - before.atMs) / 1000;
  const seconds: Record<string, number | null> = {};
  const cores: Record<string, number | null> = {};
  for (const name of Object.keys(before.groups)) {
    const from = before.groups[name];
    const to = after.groups[name];
    const used = from === null || from === undefined || to === null || to === undefined ? null : to - from;
    seconds[name] = used;
    cores[name] = used === null || wallS <= 0 ? null : used / wallS;
  }
  const b = before.box;
  const a = after.box;
  const boxWall = a && b ? a.total - b.total : 0;
  const share = (pick: (x: BoxCpu) => number) =>
    a && b && boxWall > 0 ? (pick(a) - pick(b)) / boxWall : null;
  const idleShare = share((x) => x.idle);
  const boxBusy = idleShare === null ? null : 1 - idleShare;
  const processShare = share((x) => x.processes);
  const known = Object.values(cores).reduce<number>((sum, c) => sum + (c ?? 0), 0);
  const otherCores = processShare === null ? null : Math.max(0, processShare * boxCores - known);
  const interruptShare = share((x) => x.interrupts);
  const stealShare = share((x) => x.steal);
  return {
    wallS,
    seconds,
    cores,
    boxBusy,
    boxCores,
    otherCores,
    interruptCores: interruptShare === null ? null : interruptShare * boxCores,
    stealCores: stealShare === null ? null : stealShare * boxCores,
  };
}

/** The standard groups: the given node pids, and MariaDB and Redis found by name. */
export function standardGroups(nodePids: readonly number[]): CpuGroups {
  const mariadb = pidsOf('mariadbd');
  return {
    node: nodePids,
    mariadbd: mariadb.length > 0 ? mariadb : pidsOf('mysqld'),
    'redis-server': pidsOf('redis-server'),
  };
}

/** Other processes busier than this (cores, averaged over a window) disturb the figures of that window. */
export const NOISE_CORES = 0.2;

/** A warning when processes outside the measured groups kept the box busy during a window, else undefined. */
export function noiseWarning(window: string, usage: CpuUsage): string | undefined {
  if (usage.otherCores === null || usage.otherCores <= NOISE_CORES) return undefined;
  return `${window}: other processes used ${usage.otherCores.toFixed(2)} of ${usage.boxCores} cores (box ${((usage.boxBusy ?? 0) * 100).toFixed(0)} % busy); its figures are disturbed`;
}
