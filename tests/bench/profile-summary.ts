/**
 * What a V8 CPU profile (`node --cpu-prof`, a .cpuprofile file) says a process spent its
 * time on: the self time of its samples, grouped by where the code lives — a package of
 * node_modules, a part of this repository, Node's own modules, or V8's own work (garbage
 * collection, compiling: "(program)") — and the functions that took the most.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Busy time sampled (ms), idle excluded. */
  busyMs: number;
  /** Share of the busy time by where the code lives, largest first. */
  groups: { group: string; share: number }[];
  /** The functions with the most self time, largest first. */
  functions: { name: string; share: number }[];
}

/** Where a frame's code lives: `pkg:<name>`, `repo:<dir>`, `node:<module>`, or V8's own bucket. */
export function groupOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `pkg:${modules[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const repo = /\/(services\/[^/]+|shared\/[^/]+|tests)\//.exec(url);
  if (repo) return `repo:${repo[1]}`;
  return url;
}

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node || node.callFrame.functionName === '(idle)' || ms <= 0) return;
    busy += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    const group = groupOf(url, functionName);
    groups.set(group, (groups.get(group) ?? 0) + ms);
    const where = url ? `${url.replace(/^.*\/(node_modules|services|shared)\//, '$1/')}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  });
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, ms]) => [k, busy > 0 ? ms / busy : 0] as const);
  return {
    busyMs: busy,
    groups: ranked(groups).map(([group, share]) => ({ group, share })),
    functions: ranked(functions).slice(0, top).map(([name, share]) => ({ name, share })),
  };
}
