/**
 * CPU of the parts of a process group that a sampling profiler of our own code cannot see:
 * PostgreSQL's server processes by what each one is (a backend by its database, or a
 * background process by its role), and a JVM's threads by name (the Kafka broker's network,
 * request-handler, log and garbage-collector threads). Read from /proc (Linux).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { pidsNamed, processCpuMs, threadCpuMs } from './cpu.js';

/**
 * What a PostgreSQL server process is, from the title it sets (`ps`):
 * `postgres: [cluster: ]user database host(port) state` for a backend, `postgres: [cluster: ]walwriter`
 * for a background process; the postmaster keeps its command line and also holds the CPU of
 * the children it reaped (ended backends and autovacuum workers).
 */
export function postgresPart(cmdline: string): string {
  const title = cmdline.replace(/\0/g, ' ').trim();
  if (!title.startsWith('postgres: ')) return 'postmaster and ended processes';
  const rest = title.slice('postgres: '.length).replace(/^[^ ]+: /, '');
  const backend = /^\S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(rest);
  if (backend) return `backend: ${backend[1]}`;
  return rest.replace(/\s+\d+$/, '').trim();
}

/** A JVM thread's group: its name less the number that tells its pool's threads apart. */
export function threadGroup(comm: string): string {
  return comm.trim().replace(/[-#]?\d+$/, '').replace(/-$/, '') || comm.trim();
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function postgresReading(): Map<string, number> {
  const parts = new Map<string, number>();
  for (const pid of pidsNamed('postgres')) {
    const cmdline = read(`/proc/${pid}/cmdline`);
    if (cmdline === null) continue;
    const part = postgresPart(cmdline);
    parts.set(`${part}\0${pid}`, processCpuMs(pid));
  }
  return parts;
}

function threadReading(pid: number | undefined): Map<string, number> {
  const parts = new Map<string, number>();
  if (!pid) return parts;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return parts;
  }
  for (const tid of tids) {
    const comm = read(`/proc/${pid}/task/${tid}/comm`);
    if (comm !== null) parts.set(`${threadGroup(comm)}\0${tid}`, threadCpuMs(pid, Number(tid)));
  }
  return parts;
}

/** Milliseconds per part between two readings: each process or thread's growth, summed by its part. */
function grown(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const parts: Record<string, number> = {};
  for (const [key, ms] of after) {
    const part = key.slice(0, key.indexOf('\0'));
    parts[part] = (parts[part] ?? 0) + Math.max(0, ms - (before.get(key) ?? 0));
  }
  return parts;
}

/** The CPU of PostgreSQL's processes by part and of the broker's threads by group, between `begin` and `end`. */
export class CpuParts {
  private postgres = new Map<string, number>();
  private broker = new Map<string, number>();

  constructor(private readonly brokerPid: () => number | undefined) {}

  begin(): void {
    this.postgres = postgresReading();
    this.broker = threadReading(this.brokerPid());
  }

  end(): { postgres: Record<string, number>; kafka: Record<string, number> } {
    return { postgres: grown(this.postgres, postgresReading()), kafka: grown(this.broker, threadReading(this.brokerPid())) };
  }
}
