/**
 * Memory of processes, read from the OS (Linux): the proportional set size (PSS, from
 * /proc/<pid>/smaps_rollup) of each process, so pages that several processes share (a
 * PostgreSQL server's shared buffers, held by every backend) count once across them; the
 * resident set size where PSS cannot be read.
 */
import { readFileSync } from 'node:fs';

const PAGE_KIB = 4;

/** Kibibytes of memory a process holds now; 0 once it is gone. */
export function processMemoryKib(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const pss = /^Pss:\s+(\d+) kB$/m.exec(rollup);
    if (pss) return Number(pss[1]);
  } catch {
    // not readable: fall back to the resident set
  }
  try {
    const resident = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1];
    return Number(resident) * PAGE_KIB;
  } catch {
    return 0;
  }
}

/** The highest memory each named group of processes held, sampled every `intervalMs` between `begin` and `end`. */
export class MemoryMeter {
  private peak: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly groups: Record<string, () => number[]>,
    private readonly intervalMs = 1000,
  ) {}

  private sample(): void {
    for (const [name, pids] of Object.entries(this.groups)) {
      const kib = pids().reduce((sum, pid) => sum + processMemoryKib(pid), 0);
      this.peak[name] = Math.max(this.peak[name] ?? 0, kib);
    }
  }

  begin(): void {
    this.peak = {};
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** Mebibytes: the peak of each group since `begin`. */
  end(): Record<string, number> {
    clearInterval(this.timer);
    this.sample();
    return Object.fromEntries(Object.entries(this.peak).map(([name, kib]) => [name, Math.round(kib / 1024)]));
  }
}
