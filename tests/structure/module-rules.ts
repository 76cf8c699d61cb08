/**
 * The import rules of the project's packages, read from the code: which package may use
 * which, through which entry points, and that no file imports itself round a cycle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The shared packages from the bottom up: a package's own code uses only packages below it
 * (tests may use any, @orders/testing among them).
 */
export const SHARED_LAYERS = ['contracts', 'platform', 'db', 'messaging', 'runtime', 'testing'] as const;

export interface SourceFile {
  /** Repository-relative path. */
  file: string;
  /** The package directory it belongs to (repository-relative). */
  packageDir: string;
  /** Whether it is the package's own code (not a test or a fixture). */
  isSource: boolean;
  imports: { specifier: string; reexport: boolean }[];
}

export interface PackageInfo {
  dir: string;
  name: string;
  dependencies: Set<string>;
  /** Entry points other packages may import: '.', './config', … */
  exports: Set<string>;
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (['node_modules', 'dist', '.cache'].includes(entry)) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Every workspace package of the repository (the root package.json's workspaces, and the tests). */
export function packages(root = ROOT): PackageInfo[] {
  const workspaces: string[] = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces;
  return workspaces.map((dir) => {
    const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
    return {
      dir,
      name: manifest.name,
      dependencies: new Set(Object.keys(manifest.dependencies ?? {})),
      exports: new Set(Object.keys(manifest.exports ?? { '.': '' })),
    };
  });
}

export function sourceFiles(pkg: PackageInfo, root = ROOT): SourceFile[] {
  return walk(path.join(root, pkg.dir)).map((full) => {
    const file = path.relative(root, full);
    const text = readFileSync(full, 'utf8');
    const imports = [...text.matchAll(IMPORT)].map((m) => ({ specifier: m[2]!, reexport: m[1] === 'export' }));
    return { file, packageDir: pkg.dir, isSource: file.startsWith(`${pkg.dir}/src/`), imports };
  });
}

const packageNameOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
const layerOf = (name: string) => SHARED_LAYERS.indexOf(name.replace('@orders/', '') as (typeof SHARED_LAYERS)[number]);

/** Every broken rule among these files, one line each. */
export function ruleViolations(files: readonly SourceFile[], all: readonly PackageInfo[]): string[] {
  const byName = new Map(all.map((p) => [p.name, p]));
  const problems: string[] = [];
  for (const f of files) {
    const pkg = all.find((p) => p.dir === f.packageDir)!;
    for (const { specifier, reexport } of f.imports) {
      if (specifier.startsWith('.')) {
        const target = path.normalize(path.join(path.dirname(f.file), specifier));
        if (!target.startsWith(`${f.packageDir}/`)) problems.push(`${f.file}: reaches into another package by path (${specifier})`);
        continue;
      }
      if (specifier.startsWith('node:')) continue;
      const name = packageNameOf(specifier);
      const target = byName.get(name);
      if (reexport && !target) problems.push(`${f.file}: re-exports the third-party ${name}`);
      if (!target) {
        if (f.isSource && !pkg.dependencies.has(name)) problems.push(`${f.file}: uses ${name}, not among ${pkg.name}'s dependencies`);
        continue;
      }
      const subpath = `.${specifier.slice(name.length)}`;
      if (!target.exports.has(subpath)) problems.push(`${f.file}: imports ${specifier}, not an entry point of ${name}`);
      if (!f.isSource || target === pkg) continue;
      if (!pkg.dependencies.has(name)) problems.push(`${f.file}: uses ${name}, not among ${pkg.name}'s dependencies`);
      const from = layerOf(pkg.name);
      if (from >= 0 && layerOf(name) >= from) problems.push(`${f.file}: ${pkg.name} may not use ${name} (same layer or above)`);
      if (pkg.dir.startsWith('services/') && target.dir.startsWith('services/')) problems.push(`${f.file}: a service uses another service (${name})`);
    }
  }
  return problems;
}

/** Cycles of relative imports among a package's own source files. */
export function importCycles(files: readonly SourceFile[]): string[][] {
  const sources = files.filter((f) => f.isSource);
  const known = new Set(sources.map((f) => f.file));
  const edges = new Map(
    sources.map((f) => [
      f.file,
      f.imports
        .filter((i) => i.specifier.startsWith('.'))
        .map((i) => path.normalize(path.join(path.dirname(f.file), i.specifier)).replace(/\.js$/, '.ts'))
        .filter((t) => known.has(t)),
    ]),
  );
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of edges.keys()) if (!state.has(file)) visit(file);
  return cycles;
}
