import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { isValidKafkaUuid, KAFKA_CONFIG_DIR, kraftClusterId, localTopology, parseProperties, renderKafkaFiles } from '../src/index.js';

/** The jars scripts/infra.sh fetched: the Kafka version the cluster's image runs. */
const KAFKA_JARS = path.join(KAFKA_CONFIG_DIR, '..', '..', '.cache', 'kafka', 'lib');
const PROJECT = 'order-processing';
/** What kraftClusterId gave before it refused invalid ids: sha256's first 16 bytes, base64url. */
const firstHash = (key: string) => createHash('sha256').update(key).digest().subarray(0, 16).toString('base64url');

describe('KRaft cluster id: a valid Kafka id for every stack name', function () {
  it('is valid for 10,000 generated stack names, about one in 64 of which hash to an id starting with -', function () {
    let rehashed = 0;
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}$/), (stack) => {
        const key = `${PROJECT}/${stack}`;
        const id = kraftClusterId(key);
        if (id !== firstHash(key)) rehashed++;
        expect(isValidKafkaUuid(id), `${key} → ${id}`).to.equal(true);
        expect(kraftClusterId(key)).to.equal(id);
      }),
      { numRuns: 10_000, seed: 31 },
    );
    // The generator reaches the names that used to fail (1/64 of 10,000 is about 156).
    expect(rehashed).to.be.within(80, 260);
  });

  it('keeps the id of every stack whose id was already valid, and replaces the ones that were not', function () {
    expect(firstHash(`${PROJECT}/dev43`)).to.equal('-NlIj0ntD1VZHUTuodIRSQ');
    expect(kraftClusterId(`${PROJECT}/dev43`)).to.not.match(/^-/);
    for (const stack of ['dev', 'minikube', 'dev42', 'kind-zookeeper']) {
      expect(kraftClusterId(`${PROJECT}/${stack}`)).to.equal(firstHash(`${PROJECT}/${stack}`));
    }
  });

  it('refuses what Kafka refuses: a leading -, the reserved ids, other lengths and alphabets', function () {
    const zero = Buffer.alloc(16);
    const one = Buffer.alloc(16);
    one[15] = 1;
    const two = Buffer.alloc(16);
    two[15] = 2;
    expect(isValidKafkaUuid(zero.toString('base64url'))).to.equal(false);
    expect(isValidKafkaUuid(one.toString('base64url'))).to.equal(false);
    expect(isValidKafkaUuid(two.toString('base64url'))).to.equal(true);
    expect(isValidKafkaUuid('-NlIj0ntD1VZHUTuodIRSQ')).to.equal(false);
    expect(isValidKafkaUuid('K5NTcr7UlRn4eQIL_VC0tg')).to.equal(true);
    expect(isValidKafkaUuid('K5NTcr7UlRn4eQIL_VC0tg==')).to.equal(false);
    expect(isValidKafkaUuid('K5NTcr7UlRn4eQIL+VC0tg')).to.equal(false);
    expect(isValidKafkaUuid('K5NTcr7UlRn4eQIL_VC0t')).to.equal(false);
  });
});

describe('KRaft cluster id: formatted by the real kafka-storage tool (the jars of the image version)', function () {
  this.timeout(60000);
  let dir: string;
  before(function () {
    if (!existsSync(KAFKA_JARS)) throw new Error(`no Kafka jars at ${KAFKA_JARS}: scripts/infra.sh fetches them`);
  });
  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'kraft-id-'));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const config = () => {
    const file = path.join(dir, 'server.properties');
    const files = renderKafkaFiles(localTopology({ mode: 'kraft', dataDir: path.join(dir, 'data'), ports: { client: 19092, internal: 19094, controller: 19093, zookeeper: 12181 } }));
    writeFileSync(file, files['server.properties'].replaceAll('@NODE_ID@', '0'));
    return file;
  };
  const logDir = (file: string) => parseProperties(readFileSync(file, 'utf8')).get('log.dirs')!;
  const storageTool = (args: string[]) =>
    spawnSync('java', ['-cp', `${KAFKA_JARS}/*`, 'kafka.tools.StorageTool', 'format', '--ignore-formatted', ...args], { encoding: 'utf8' });

  it('fails on an id starting with - given as the next word (what stopped 1 stack in 64 from starting)', function () {
    const result = storageTool(['-t', '-NlIj0ntD1VZHUTuodIRSQ', '-c', config()]);
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include('argument --cluster-id/-t: expected one argument');
  });

  it('formats with the id of that stack now, and of others', function () {
    for (const stack of ['dev43', 'dev']) {
      const file = config();
      rmSync(logDir(file), { recursive: true, force: true });
      const id = kraftClusterId(`${PROJECT}/${stack}`);
      const result = storageTool(['-t', id, '-c', file]);
      expect(result.status, result.stderr).to.equal(0);
      expect(parseProperties(readFileSync(path.join(logDir(file), 'meta.properties'), 'utf8')).get('cluster.id')).to.equal(id);
    }
  });

  it('start.sh formats with any id it is given, a leading - included (the id and the option in one word)', function () {
    // Real java for the format; the broker itself is not started.
    const java = path.join(dir, 'java');
    writeFileSync(java, '#!/bin/sh\ncase "$*" in *kafka.Kafka*) exit 0 ;; esac\nexec java "$@"\n');
    chmodSync(java, 0o755);
    const file = config();
    // With a SCRAM user, as every node has: the real tool adds it while it formats.
    mkdirSync(path.join(dir, 'users'), { recursive: true });
    writeFileSync(path.join(dir, 'users', 'admin'), 'pw0123');
    const result = spawnSync('sh', [path.join(KAFKA_CONFIG_DIR, 'start.sh'), 'kafka', file, path.join(dir, 'work')], {
      env: {
        PATH: process.env.PATH,
        POD_NAME: 'kafka-0',
        KAFKA_LIBS: KAFKA_JARS,
        KAFKA_LOG4J: path.join(KAFKA_CONFIG_DIR, 'log4j.properties'),
        KAFKA_CLUSTER_ID: '-NlIj0ntD1VZHUTuodIRSQ',
        KAFKA_USERS_DIR: path.join(dir, 'users'),
        JAVA: java,
      },
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).to.equal(0);
    expect(parseProperties(readFileSync(path.join(logDir(file), 'meta.properties'), 'utf8')).get('cluster.id')).to.equal('-NlIj0ntD1VZHUTuodIRSQ');
  });
});
