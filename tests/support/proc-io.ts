import { readFileSync } from 'node:fs';

/** Write calls and bytes a process made so far (/proc/<pid>/io: syscw, wchar); zeros once it is gone. */
export function processWrites(pid: number): { calls: number; bytes: number } {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/io`, 'utf8');
  } catch {
    return { calls: 0, bytes: 0 };
  }
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { calls: field('syscw'), bytes: field('wchar') };
}

/**
 * Write calls (to sockets and files alike) and bytes written by named groups of processes
 * between two readings. On loopback a socket write also runs the receiver's side of TCP,
 * so write calls are a large part of what a round trip costs. Counted per process, not by
 * group totals as CpuMeter does: a process's writes are not carried to its parent when it
 * ends, so one that ended would take its earlier writes off its group's total.
 */
export class WriteMeter {
  private start = new Map<number, { calls: number; bytes: number }>();

  constructor(private readonly groups: Record<string, () => number[]>) {}

  begin(): void {
    this.start = new Map(Object.values(this.groups).flatMap((pids) => pids().map((pid) => [pid, processWrites(pid)] as const)));
  }

  end(): Record<string, { calls: number; bytes: number }> {
    return Object.fromEntries(
      Object.entries(this.groups).map(([name, pids]) => {
        let calls = 0;
        let bytes = 0;
        for (const pid of pids()) {
          const now = processWrites(pid);
          const was = this.start.get(pid) ?? { calls: 0, bytes: 0 };
          calls += Math.max(0, now.calls - was.calls);
          bytes += Math.max(0, now.bytes - was.bytes);
        }
        return [name, { calls, bytes }];
      }),
    );
  }
}
