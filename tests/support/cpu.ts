/**
 * CPU time of processes, read from the OS (/proc/<pid>/stat, Linux): user + system time
 * of each process, plus that of its children it has reaped (a PostgreSQL server's ended
 * backends are counted by the postmaster that reaped them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { procStatFields } from './proc-stat.js';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

/** Milliseconds of CPU a process and its reaped children used so far; 0 once it is gone. */
export function processCpuMs(pid: number): number {
  const fields = procStatFields(pid);
  if (!fields) return 0;
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return ((utime! + stime! + cutime! + cstime!) * 1000) / TICKS_PER_SECOND;
}

/** Milliseconds of CPU one thread of a process used so far; 0 once it is gone. */
export function threadCpuMs(pid: number, tid: number): number {
  const fields = procStatFields(pid, tid);
  if (!fields) return 0;
  const [utime, stime] = [11, 12].map((i) => Number(fields[i]));
  return ((utime! + stime!) * 1000) / TICKS_PER_SECOND;
}

/** Every process whose command name is `name` (e.g. every PostgreSQL server process). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU used by named groups of processes between two readings. */
export class CpuMeter {
  private start: Record<string, number> = {};

  /** `groups`: a name and how to find its processes at the moment of reading. */
  constructor(private readonly groups: Record<string, () => number[]>) {}

  private read(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.groups).map(([name, pids]) => [name, pids().reduce((sum, pid) => sum + processCpuMs(pid), 0)]));
  }

  begin(): void {
    this.start = this.read();
  }

  /** Milliseconds per group since `begin`, and their total. */
  end(): Record<string, number> {
    const now = this.read();
    const used = Object.fromEntries(Object.keys(this.groups).map((name) => [name, Math.max(0, now[name]! - (this.start[name] ?? 0))]));
    return { ...used, total: Object.values(used).reduce((a, b) => a + b, 0) };
  }
}
