import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Replays a Dockerfile's build on this machine, one folder per stage, without a container
 * engine: ARG, ENV and WORKDIR are tracked, COPY copies from the build context (as
 * .dockerignore filters it) or from an earlier stage, RUN runs in the stage's folder with
 * the build arguments and ENV in its environment. The base images are not there: RUN uses
 * this machine's tools (Node 24 and npm, as the image's base has). What the final stage's
 * folder holds is what the image's /app would.
 */
export interface ReplayedImage {
  /** The final stage's working directory (the image's WORKDIR). */
  dir: string;
  env: Record<string, string>;
  user: string | undefined;
  entrypoint: string[];
  cmd: string[];
}

interface Stage {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
}

function instructions(text: string): { op: string; rest: string }[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), rest: rest.join(' ') };
    });
}

/** A .dockerignore pattern list as a predicate on context-relative paths. */
function ignoredBy(patterns: string[]): (relative: string) => boolean {
  return (relative) => {
    const parts = relative.split('/');
    return patterns.some((p) => {
      if (p.startsWith('**/')) {
        const tail = p.slice(3);
        return tail.startsWith('*') ? parts.some((s) => s.endsWith(tail.slice(1))) : parts.includes(tail);
      }
      return relative === p || relative.startsWith(`${p}/`);
    });
  };
}

export function replayDockerfile(dockerfile: string, context: string, buildArgs: Record<string, string>, scratch: string, skip: RegExp[] = []): ReplayedImage {
  const ignoreFile = path.join(context, '.dockerignore');
  const ignored = ignoredBy(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : []);
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  let args: Record<string, string> = {};
  let user: string | undefined;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  const expand = (text: string) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? stage?.env[a ?? b] ?? globalArgs[a ?? b] ?? '');
  const inStage = (p: string) => {
    if (!stage) throw new Error('instruction before FROM');
    return path.join(stage.root, path.isAbsolute(p) ? p : path.join(stage.workdir, p));
  };
  const copyFromContext = (from: string, to: string) => {
    const walk = (relative: string, target: string) => {
      if (ignored(relative)) return;
      const full = path.join(context, relative);
      if (statSync(full).isDirectory()) {
        mkdirSync(target, { recursive: true });
        for (const entry of readdirSync(full)) walk(path.join(relative, entry), path.join(target, entry));
      } else {
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(full, target);
      }
    };
    walk(path.normalize(from).replace(/\/$/, ''), to);
  };

  for (const { op, rest } of instructions(readFileSync(dockerfile, 'utf8'))) {
    if (op === 'ARG') {
      const [name, fallback] = rest.split('=');
      const value = buildArgs[name!] ?? fallback ?? globalArgs[name!] ?? '';
      if (stage) args[name!] = value;
      else globalArgs[name!] = value;
    } else if (op === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(rest)?.[1] ?? `stage-${stages.length}`;
      stage = { name, root: path.join(scratch, name), workdir: '/', env: {} };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      args = {};
    } else if (op === 'WORKDIR') {
      stage!.workdir = expand(rest);
      mkdirSync(inStage('.'), { recursive: true });
    } else if (op === 'ENV') {
      for (const pair of rest.match(/\S+=\S+/g) ?? []) {
        const [key, value] = pair.split('=');
        stage!.env[key!] = expand(value!);
      }
    } else if (op === 'COPY') {
      const words = rest.split(/\s+/).map(expand);
      const fromName = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
      const from = fromName === undefined ? undefined : stages.find((s) => s.name === fromName);
      if (fromName !== undefined && !from) throw new Error(`COPY --from=${fromName}: no such stage`);
      const dest = words.pop()!;
      for (const source of words) {
        if (from) {
          const src = path.join(from.root, source);
          const target = inStage(dest);
          mkdirSync(statSync(src).isDirectory() ? target : path.dirname(target), { recursive: true });
          cpSync(src, target, { recursive: true, verbatimSymlinks: true });
        } else {
          const isDir = statSync(path.join(context, source)).isDirectory();
          const target = dest.endsWith('/') && !isDir ? path.join(inStage(dest), path.basename(source)) : inStage(dest);
          copyFromContext(source, target);
        }
      }
    } else if (op === 'RUN') {
      const script = skip.reduce((text, pattern) => text.replace(pattern, 'true'), rest);
      execSync(script, { cwd: inStage('.'), env: { ...process.env, ...globalArgs, ...args, ...stage!.env }, stdio: 'pipe', shell: '/bin/bash', timeout: 600000 });
    } else if (op === 'USER') {
      user = rest;
    } else if (op === 'ENTRYPOINT') {
      entrypoint = JSON.parse(rest) as string[];
    } else if (op === 'CMD') {
      cmd = JSON.parse(rest) as string[];
    }
  }
  const last = stages.at(-1)!;
  return { dir: path.join(last.root, last.workdir), env: last.env, user, entrypoint, cmd };
}
