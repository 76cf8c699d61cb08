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

function start(role: string, podName: string, template: string, dir: string) {
  return spawnSync('sh', [path.join(KAFKA_CONFIG_DIR, 'start.sh'), role, template, path.join(dir, 'work')], {
    env: {
      PATH: process.env.PATH,
      POD_NAME: podName,
      KAFKA_LIBS: '/opt/kafka/libs',
      KAFKA_LOG4J: '/etc/kafka-config/log4j.properties',
      KAFKA_HEAP_OPTS: '-Xmx512m',
      KAFKA_CLUSTER_ID: kraftClusterId('test'),
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
      localTopology({ mode, dataDir: path.join(dir, 'data'), ports: { client: 9092, controller: 9093, zookeeper: 2181 } }),
    );
    writeFileSync(path.join(dir, 'server.properties'), files['server.properties']);
    if (files['zookeeper.properties']) writeFileSync(path.join(dir, 'zookeeper.properties'), files['zookeeper.properties']);
    return path.join(dir, 'server.properties');
  };

  it('puts the pod ordinal in as the node id and execs the broker with the rendered file', function () {
    const result = start('kafka', 'kafka-2', template('zookeeper'), dir);
    expect(result.status, result.stderr).to.equal(0);
    const config = parseProperties(readFileSync(path.join(dir, 'work', 'kafka.properties'), 'utf8'));
    expect(config.get('broker.id')).to.equal('2');
    expect(config.get('advertised.listeners')).to.equal('PLAINTEXT://127.0.0.1:9092');
    const calls = readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).to.have.length(1);
    expect(calls[0]).to.equal(
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
    expect(calls[0]).to.include(`kafka.tools.StorageTool format --ignore-formatted --cluster-id=${kraftClusterId('test')} -c ${dir}/work/kafka.properties`);
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

  it('refuses a pod name without an ordinal, and an unknown role', function () {
    const config = template('zookeeper');
    const bad = start('kafka', 'kafka', config, dir);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.include("POD_NAME 'kafka' does not end in an ordinal");
    expect(start('schema-registry', 'kafka-0', config, dir).status).to.equal(2);
  });
});
