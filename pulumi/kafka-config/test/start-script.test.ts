import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { KAFKA_CONFIG_DIR, kraftClusterId, localTopology, parseProperties, renderKafkaFiles } from '../src/index.js';

/** A `java` that records its arguments and the configuration it was given, instead of starting a JVM. */
function fakeJava(dir: string): string {
  const file = path.join(dir, 'java');
  writeFileSync(file, `#!/bin/sh\necho "$*" >> "${dir}/calls"\nexit 0\n`);
  chmodSync(file, 0o755);
  return file;
}

function start(role: string, podName: string, template: string, dir: string, users: Record<string, string> = { admin: 'a1', 'order-service': 'o2' }) {
  const usersDir = path.join(dir, 'users');
  mkdirSync(usersDir, { recursive: true });
  for (const [user, password] of Object.entries(users)) writeFileSync(path.join(usersDir, user), password);
  return spawnSync('sh', [path.join(KAFKA_CONFIG_DIR, 'start.sh'), role, template, path.join(dir, 'work')], {
    env: {
      PATH: process.env.PATH,
      POD_NAME: podName,
      KAFKA_LIBS: '/opt/kafka/libs',
      KAFKA_LOG4J: '/etc/kafka-config/log4j.properties',
      KAFKA_HEAP_OPTS: '-Xmx512m',
      KAFKA_CLUSTER_ID: kraftClusterId('test'),
      KAFKA_USERS_DIR: usersDir,
      JAVA: fakeJava(dir),
    },
    encoding: 'utf8',
  });
}

describe('pulumi/kafka-config/start.sh: the start command of every Kafka and ZooKeeper node', function () {
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'kafka-start-'));
  });

  const template = (mode: 'zookeeper' | 'kraft') => {
    const files = renderKafkaFiles(
      localTopology({ mode, dataDir: path.join(dir, 'data'), ports: { client: 9092, internal: 9094, controller: 9093, zookeeper: 2181 } }),
    );
    writeFileSync(path.join(dir, 'server.properties'), files['server.properties']);
    if (files['zookeeper.properties']) writeFileSync(path.join(dir, 'zookeeper.properties'), files['zookeeper.properties']);
    return path.join(dir, 'server.properties');
  };

  it('puts the pod ordinal in as the node id, sets every SCRAM user in ZooKeeper, and execs the broker with the rendered file', function () {
    const result = start('kafka', 'kafka-2', template('zookeeper'), dir);
    expect(result.status, result.stderr).to.equal(0);
    const config = parseProperties(readFileSync(path.join(dir, 'work', 'kafka.properties'), 'utf8'));
    expect(config.get('broker.id')).to.equal('2');
    expect(config.get('advertised.listeners')).to.equal('CLIENT://127.0.0.1:9092,INTERNAL://127.0.0.1:9094');
    const calls = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).to.have.length(3);
    expect(calls[0]).to.match(/kafka\.admin\.ConfigCommand --zookeeper 127\.0\.0\.1:2181 --alter --entity-type users --entity-name admin --add-config SCRAM-SHA-512=\[password=a1\]$/);
    expect(calls[1]).to.match(/--entity-name order-service --add-config SCRAM-SHA-512=\[password=o2\]$/);
    expect(calls[2]).to.equal(
      `-Xmx512m -Dlog4j.configuration=file:/etc/kafka-config/log4j.properties -cp /opt/kafka/libs/* kafka.Kafka ${dir}/work/kafka.properties`,
    );
  });

  it('starts ZooKeeper with its own main class', function () {
    template('zookeeper');
    const result = start('zookeeper', 'kafka-zookeeper-0', path.join(dir, 'zookeeper.properties'), dir);
    expect(result.status, result.stderr).to.equal(0);
    expect(readFileSync(path.join(dir, 'calls'), 'utf8')).to.include('org.apache.zookeeper.server.quorum.QuorumPeerMain');
  });

  it('KRaft: formats an empty data directory with the cluster id first, and not once it is formatted', function () {
    const config = template('kraft');
    expect(start('kafka', 'kafka-0', config, dir).status).to.equal(0);
    let calls = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).to.have.length(2);
    expect(calls[0]).to.include(
      `kafka.tools.StorageTool format --ignore-formatted --cluster-id=${kraftClusterId('test')} -c ${dir}/work/kafka.properties ` +
        '--add-scram SCRAM-SHA-512=[name=admin,password=a1] --add-scram SCRAM-SHA-512=[name=order-service,password=o2]',
    );
    expect(calls[1]).to.match(/ kafka\.Kafka /);

    const logs = parseProperties(readFileSync(path.join(dir, 'work', 'kafka.properties'), 'utf8')).get('log.dirs')!;
    mkdirSync(logs, { recursive: true });
    writeFileSync(path.join(logs, 'meta.properties'), 'node.id=0\n');
    writeFileSync(path.join(dir, 'calls'), '');
    expect(start('kafka', 'kafka-0', config, dir).status).to.equal(0);
    calls = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).to.have.length(1);
    expect(calls[0]).to.match(/ kafka\.Kafka /);
  });

  it('refuses a user name or password the SCRAM syntax cannot carry, before starting anything', function () {
    const result = start('kafka', 'kafka-0', template('zookeeper'), dir, { admin: 'pass,word]' });
    expect(result.status).to.equal(2);
    expect(result.stderr).to.include('user admin: names and passwords are letters, digits, _ . -');
    expect(() => readFileSync(path.join(dir, 'calls'), 'utf8')).to.throw();
  });

  it('refuses a pod name without an ordinal, and an unknown role', function () {
    const config = template('zookeeper');
    const bad = start('kafka', 'kafka', config, dir);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.include("POD_NAME 'kafka' does not end in an ordinal");
    expect(start('schema-registry', 'kafka-0', config, dir).status).to.equal(2);
  });
});
