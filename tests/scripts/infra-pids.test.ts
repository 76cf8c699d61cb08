import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';

const PIDS_LIB = path.resolve(__dirname, '..', '..', '..', 'scripts', 'lib', 'pids.sh');

/** Runs `script` in bash with scripts/lib/pids.sh sourced and RUN set to a new directory; returns its stdout lines. */
function withPids(script: string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'infra-pids-'));
  const result = spawnSync('bash', ['-c', `set -u; RUN="${dir}/run"; source "${PIDS_LIB}"; cd "${dir}"; ${script}`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.status, result.stderr).to.equal(0);
  return result.stdout.trim().split('\n');
}

describe('scripts/lib/pids.sh: which recorded process is still the one infra.sh started', function () {
  this.timeout(70_000);

  it('is alive at every look while the process execs again and again (its command line reads empty during an exec)', function () {
    // 400 execs in a row, as start.sh's exec of the JVM once; then a process that says it is there and waits.
    const [looks, notAlive, afterKill] = withPids(`
      cat >chain.sh <<'SH'
if [ "$1" -gt 0 ]; then exec sh ./chain.sh $(($1 - 1)) "$2"; fi
touch "$2/settled"; exec sleep 30
SH
      sh ./chain.sh 400 "$PWD" & record_pid chain $!
      looks=0; not_alive=0
      until [[ -f settled ]]; do
        looks=$((looks + 1)); pid_alive chain || not_alive=$((not_alive + 1))
      done
      echo "$looks"; echo "$not_alive"
      kill "$(cat "$RUN/chain.pid")"; wait
      pid_alive chain && echo alive || echo gone`);
    expect(Number(looks), 'looks while the execs ran').to.be.greaterThan(20);
    expect(Number(notAlive), 'looks that found it not alive').to.equal(0);
    expect(afterKill).to.equal('gone');
  });

  it('is not alive when the pid now belongs to a process started at another time (a reused pid)', function () {
    const [answer] = withPids(`
      sleep 30 & record_pid other $!
      echo $(( $(cat "$RUN/other.started") - 1 )) >"$RUN/other.started"
      pid_alive other && echo alive || echo not-ours
      kill %1`);
    expect(answer).to.equal('not-ours');
  });

  it('is not alive once it has exited, reaped or not (a zombie), nor when nothing was recorded', function () {
    const [zombie, reaped, never] = withPids(`
      # sh forks a short sleep, then becomes a long one that never reaps it.
      sh -c 'sleep 0.2 & echo $! >child; exec sleep 30' & holder=$!
      until [[ -s child ]]; do sleep 0.01; done
      record_pid child "$(cat child)"
      pid_alive child || echo "exited too soon"
      until [[ "$(proc_stat "$(cat child)" | cut -d' ' -f1)" == Z ]]; do sleep 0.05; done
      pid_alive child && echo alive || echo zombie-not-alive
      kill $holder; wait
      pid_alive child && echo alive || echo reaped-not-alive
      pid_alive never-started && echo alive || echo none-not-alive`);
    expect([zombie, reaped, never]).to.deep.equal(['zombie-not-alive', 'reaped-not-alive', 'none-not-alive']);
  });
});
