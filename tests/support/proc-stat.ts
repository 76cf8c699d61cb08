import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat, or of /proc/<pid>/task/<tid>/stat for one of its threads,
 * from the third on (state, ppid, …), read after the command name, which may hold spaces and
 * parentheses; null once the process or thread is gone. Field n of proc(5) is at index
 * n - 3: utime (14) at 11, the start time (22) at 19. Only task/<tid>/stat is a thread's
 * own: /proc/<tid>/stat counts its whole process.
 */
export function procStatFields(pid: number, tid?: number): string[] | null {
  let stat: string;
  try {
    stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
