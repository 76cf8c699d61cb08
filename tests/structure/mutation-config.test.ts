import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ROOT } from './module-rules.js';

const CONFIG = 'tests/mutation/stryker.config.json';
const read = <T>(file: string): T => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as T;

interface StrykerConfig {
  mutate: string[];
  ignorePatterns: string[];
  tsconfigFile: string;
  buildCommand: string;
  mochaOptions: { config: string };
}

/**
 * Whether Stryker leaves a repository path out of its sandbox: the last of its ignore
 * patterns that matches decides (a `!` pattern takes a path back). Only the forms the
 * config uses: `/dir`, `/dir/**`, and a bare name matched anywhere.
 */
export function ignoredBySandbox(file: string, patterns: readonly string[]): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    const matches = pattern.startsWith('/')
      ? `/${file}`.startsWith(pattern.replace(/\/\*\*$/, '/')) || `/${file}` === pattern || `/${file}`.startsWith(`${pattern}/`)
      : file.split('/').some((part) => part === pattern || (pattern.startsWith('*') && part.endsWith(pattern.slice(1))));
    if (matches) ignored = !negated;
  }
  return ignored;
}

describe('npm run mutate finds what it needs in its sandbox', function () {
  const config = read<StrykerConfig>(CONFIG);

  it('every module it mutates, its tsconfig, its build and its mocha options exist and are copied into the sandbox', function () {
    const build = config.buildCommand.split(' ').at(-1)!;
    for (const file of [...config.mutate, config.tsconfigFile, build, config.mochaOptions.config]) {
      expect(existsSync(path.join(ROOT, file)), `${file} exists`).to.equal(true);
      expect(ignoredBySandbox(file, config.ignorePatterns), `${file} is copied into the sandbox`).to.equal(false);
    }
  });

  it('every unit test it runs is compiled from a test that exists', function () {
    const { spec } = read<{ spec: string[] }>(config.mochaOptions.config);
    for (const compiled of spec) {
      const source = compiled.replace('/dist/', '/').replace(/\.js$/, '.ts');
      expect(existsSync(path.join(ROOT, source)), `${compiled} from ${source}`).to.equal(true);
    }
  });

  it('the sandbox check can fail', function () {
    expect(ignoredBySandbox('tests/mutation/x.json', ['/tests'])).to.equal(true);
    expect(ignoredBySandbox('tests/mutation/x.json', ['/tests/**', '!/tests/mutation/**'])).to.equal(false);
    expect(ignoredBySandbox('tests/e2e/x.ts', ['/tests/**', '!/tests/mutation/**'])).to.equal(true);
    expect(ignoredBySandbox('shared/db/dist/x.js', ['dist'])).to.equal(true);
    expect(ignoredBySandbox('shared/db/a.tsbuildinfo', ['*.tsbuildinfo'])).to.equal(true);
  });
});
