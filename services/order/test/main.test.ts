import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';

describe('order: the image entry point (main.js)', function () {
  const main = path.join(__dirname, '..', 'src', 'main.js');

  it('prints its usage and exits 2 with no command or an unknown one, without a stack trace', function () {
    for (const args of [[], ['frobnicate']]) {
      const result = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 10000, env: { PATH: process.env.PATH } });
      expect(result.status, args.join(' ')).to.equal(2);
      expect(result.stderr).to.include('usage: main.js <command>');
      expect(result.stderr).to.include('migrate').and.include('start').and.include('topics');
      expect(result.stderr).to.not.match(/\n\s+at /);
      if (args.length) expect(result.stderr).to.include('unknown command: "frobnicate"');
    }
  });
});
