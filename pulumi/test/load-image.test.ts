import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from '../src/paths.js';

/**
 * scripts/lib/load-image.sh against stand-ins for docker, kind and minikube that record
 * how they are called (the real ones need a container engine). `docker image save
 * --platform` fails like Docker < 28 when FAKE_DOCKER_OLD is set.
 */
function run(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'load-image-'));
  const log = path.join(dir, 'calls');
  const tool = (name: string, body: string) => {
    writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  };
  tool(
    'docker',
    `case "$1 $2" in
  "image inspect") echo linux/arm64 ;;
  "image save")
    if [[ "$3" == --platform && -n "\${FAKE_DOCKER_OLD:-}" ]]; then echo "unknown flag: --platform" >&2; exit 125; fi
    out=""; while [[ $# -gt 0 ]]; do [[ "$1" == -o ]] && out="$2"; shift; done; echo archive > "$out" ;;
esac`,
  );
  tool('kind', `[[ -s "$3" ]] || { echo "kind: no archive at $3" >&2; exit 1; }; echo "$3" > "${dir}/archive-path"`);
  tool('minikube', '');
  const result = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'lib', 'load-image.sh'), ...args], {
    env: { PATH: `${dir}:${process.env.PATH}`, TMPDIR: dir, ...env },
    encoding: 'utf8',
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  const archive = existsSync(path.join(dir, 'archive-path')) ? readFileSync(path.join(dir, 'archive-path'), 'utf8').trim() : '';
  return { result, calls, archive };
}

describe('scripts/lib/load-image.sh: a built image into kind or minikube', function () {
  it('kind: saves only this platform and loads the archive (kind issue 3795), then removes it', function () {
    const { result, calls, archive } = run(['kind', 'orders/order-service:abc', 'orders']);
    expect(result.status, result.stderr).to.equal(0);
    expect(calls[0]).to.equal('docker image inspect --format {{.Os}}/{{.Architecture}} orders/order-service:abc');
    expect(calls[1]).to.match(/^docker image save --platform linux\/arm64 -o \S+ orders\/order-service:abc$/);
    expect(calls[2]).to.equal(`kind load image-archive ${archive} --name orders`);
    expect(calls).to.have.length(3);
    expect(existsSync(archive), 'the archive is removed').to.equal(false);
  });

  it('kind: falls back to a plain save where docker has no --platform (Docker < 28)', function () {
    const { result, calls } = run(['kind', 'orders/payment-service:abc', 'dev'], { FAKE_DOCKER_OLD: '1' });
    expect(result.status, result.stderr).to.equal(0);
    expect(calls[2]).to.match(/^docker image save -o \S+ orders\/payment-service:abc$/);
    expect(calls[3]).to.match(/^kind load image-archive \S+ --name dev$/);
  });

  it('minikube: minikube image load into the profile', function () {
    const { result, calls } = run(['minikube', 'orders/inventory-service:abc', 'minikube']);
    expect(result.status, result.stderr).to.equal(0);
    expect(calls).to.deep.equal(['minikube -p minikube image load orders/inventory-service:abc']);
  });

  it('refuses an unknown flavour or missing arguments with exit 2', function () {
    expect(run(['docker-desktop', 'x:y', 'z']).result.status).to.equal(2);
    expect(run(['kind', 'x:y']).result.status).to.equal(2);
  });
});
