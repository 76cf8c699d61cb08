import { expect } from 'chai';
import { importCycles, packages, ruleViolations, sourceFiles, type PackageInfo, type SourceFile } from './module-rules.js';

describe('module structure: each package uses only what it may, through its entry points', function () {
  const all = packages();
  const files = all.flatMap((p) => sourceFiles(p));

  it('finds every workspace package and its files', function () {
    expect(all.map((p) => p.name)).to.include.members([
      '@orders/contracts',
      '@orders/platform',
      '@orders/db',
      '@orders/messaging',
      '@orders/runtime',
      '@orders/testing',
      '@orders/order-service',
      '@orders/pulumi',
    ]);
    expect(files.filter((f) => f.isSource).length).to.be.greaterThan(100);
  });

  it('no upward import between the shared packages, no deep import, no re-export of a third-party library, no undeclared dependency', function () {
    expect(ruleViolations(files, all)).to.deep.equal([]);
  });

  it('no package imports its own files round a cycle', function () {
    const cycles = all.flatMap((p) => importCycles(files.filter((f) => f.packageDir === p.dir)));
    expect(cycles.map((c) => c.join(' → '))).to.deep.equal([]);
  });

  it('the checks can fail', function () {
    const pkg = (dir: string, name: string, deps: string[], exports = ['.']): PackageInfo => ({ dir, name, dependencies: new Set(deps), exports: new Set(exports) });
    const fake = [pkg('shared/db', '@orders/db', ['@orders/platform']), pkg('shared/messaging', '@orders/messaging', ['@orders/db']), pkg('shared/platform', '@orders/platform', [])];
    const file = (f: string, dir: string, ...specifiers: string[]): SourceFile => ({
      file: f,
      packageDir: dir,
      isSource: true,
      imports: specifiers.map((s) => ({ specifier: s.replace(/^export /, ''), reexport: s.startsWith('export ') })),
    });
    const broken = [
      file('shared/db/src/a.ts', 'shared/db', '@orders/messaging', '@orders/platform/internal', 'export zod', '../../messaging/src/b.js', 'knex'),
      file('shared/messaging/src/b.ts', 'shared/messaging', './c.js'),
      file('shared/messaging/src/c.ts', 'shared/messaging', './b.js'),
    ];
    expect(ruleViolations(broken, fake)).to.deep.equal([
      'shared/db/src/a.ts: uses @orders/messaging, not among @orders/db\'s dependencies',
      'shared/db/src/a.ts: @orders/db may not use @orders/messaging (same layer or above)',
      'shared/db/src/a.ts: imports @orders/platform/internal, not an entry point of @orders/platform',
      'shared/db/src/a.ts: re-exports the third-party zod',
      "shared/db/src/a.ts: uses zod, not among @orders/db's dependencies",
      'shared/db/src/a.ts: reaches into another package by path (../../messaging/src/b.js)',
      "shared/db/src/a.ts: uses knex, not among @orders/db's dependencies",
    ]);
    expect(importCycles(broken.slice(1)).map((c) => c.join(' → '))).to.deep.equal(['shared/messaging/src/b.ts → shared/messaging/src/c.ts → shared/messaging/src/b.ts']);
  });
});
