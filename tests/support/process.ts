import { spawn, type ChildProcess } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { waitFor } from '@orders/testing';

/** `node <main> <command>` with `env`, its output appended to `log`. */
export function spawnLogged(main: string, command: string, env: NodeJS.ProcessEnv, log: WriteStream): ChildProcess {
  const child = spawn(process.execPath, [main, command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

/** Runs a one-shot command to its end; throws unless it exits 0 (`where`: what to read then). */
export async function runToEnd(child: ChildProcess, what: string, where = ''): Promise<void> {
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${what} exited with ${code}${where ? `; see ${where}` : ''}`);
}

/** Waits until the process answers 200 on `<base>/readyz`; throws if it exits first or takes 30 s. */
export async function untilReady(child: ChildProcess, what: string, base: string, where = ''): Promise<void> {
  await waitFor(
    `${what} ready at ${base}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}${where ? `; see ${where}` : ''}`);
      return fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    },
    30000,
    100,
  );
}

/** Sends `signal` and waits for the exit code (null: it was not running, or ended by a signal). */
export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}
