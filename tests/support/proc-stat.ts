import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat from the third on (state, ppid, …), read after the command
 * name, which may hold spaces and parentheses; null once the process is gone. Field n of
 * proc(5) is at index n - 3: utime (14) at 11, the start time (22) at 19.
 */
export function procStatFields(pid: number): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return statFields(stat);
}

/** The fields of a stat line (of a process or of one of its threads) from the third on. */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
