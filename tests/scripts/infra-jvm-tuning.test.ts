import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';

const SCRIPTS = path.resolve(__dirname, '..', '..', '..', 'scripts');
const QUICK = '-XX:+UseSerialGC -XX:TieredStopAtLevel=1';

/** Runs `script` in bash with scripts/lib/jvm-tuning.sh sourced and RUN set to a new directory; returns its stdout lines. */
function withTuning(script: string, env: NodeJS.ProcessEnv = {}): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'infra-jvm-'));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'JVM_TUNING'));
  const result = spawnSync('bash', ['-c', `set -u; RUN="${dir}/run"; source "${SCRIPTS}/lib/jvm-tuning.sh"; ${script}`], {
    encoding: 'utf8',
    env: { ...clean, ...env },
  });
  expect(result.status, result.stderr).to.equal(0);
  return result.stdout.split('\n').slice(0, -1);
}

describe('scripts/lib/jvm-tuning.sh: the flags the local ZooKeeper and Kafka JVMs start with', function () {
  it("is none by default: the JVM's own JIT and collector, as the cluster's brokers run (they set no JVM options)", function () {
    expect(withTuning('echo "[$(jvm_tuning)]"')).to.deep.equal(['[]']);
    const start = readFileSync(path.join(SCRIPTS, '..', 'pulumi', 'kafka-config', 'start.sh'), 'utf8');
    expect(start, 'the start script adds no JIT or collector flag of its own').not.to.match(/-XX:/);
  });

  it('keeps the quick-start flags the infrastructure was brought up with for later starts and restarts, until down', function () {
    const [first, restart, afterDown] = withTuning(
      `JVM_TUNING="$QUICK_START_JVM"; record_jvm_tuning "$(jvm_tuning)"; unset JVM_TUNING
       echo "$(jvm_tuning)"; echo "$(jvm_tuning)"; forget_jvm_tuning; echo "[$(jvm_tuning)]"`,
    );
    expect(QUICK).to.equal(withTuning('echo "$QUICK_START_JVM"')[0]);
    expect([first, restart]).to.deep.equal([QUICK, QUICK]);
    expect(afterDown).to.equal('[]');
  });

  it('takes JVM_TUNING from the environment over the recorded flags, empty included', function () {
    const [empty] = withTuning(`record_jvm_tuning "$QUICK_START_JVM"; echo "[$(jvm_tuning)]"`, { JVM_TUNING: '' });
    expect(empty).to.equal('[]');
    const [own] = withTuning(`record_jvm_tuning "$QUICK_START_JVM"; echo "$(jvm_tuning)"`, { JVM_TUNING: '-XX:+UseParallelGC' });
    expect(own).to.equal('-XX:+UseParallelGC');
  });

  it('is what infra.sh passes to the JVMs, and the test command brings the infrastructure up with the quick-start flags', function () {
    const infra = readFileSync(path.join(SCRIPTS, 'infra.sh'), 'utf8');
    expect(infra).to.match(/tuning="\$\(jvm_tuning\)"\s+record_jvm_tuning "\$tuning"/);
    expect(infra).to.include('KAFKA_JVM_OPTS="$tuning ');
    expect(infra).to.match(/--quick-start-jvm\) JVM_TUNING="\$QUICK_START_JVM"/);
    expect(infra).to.match(/down\)[^;]*forget_jvm_tuning/);
    expect(readFileSync(path.join(SCRIPTS, 'test.sh'), 'utf8')).to.include('infra.sh up --quick-start-jvm');
  });
});
