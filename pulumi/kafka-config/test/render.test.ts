import { expect } from 'chai';
import { localTopology, NODE_ID, parseProperties, renderKafkaFiles, TOPOLOGY_KEYS, type KafkaTopology } from '../src/index.js';

const cluster = (mode: 'zookeeper' | 'kraft', nodes: number): KafkaTopology => ({
  mode,
  nodes,
  nodeHost: 'kafka-{id}.kafka-headless.kafka.svc.cluster.local',
  bindAddress: '0.0.0.0',
  ports: { client: 9092, internal: 9094, controller: 9093, zookeeper: 2181 },
  zookeeperConnect: 'kafka-zookeeper.kafka.svc.cluster.local:2181',
  dataDir: '/var/lib/kafka/data/logs',
  zookeeperDataDir: '/var/lib/zookeeper/data',
});
const local = (mode: 'zookeeper' | 'kraft') =>
  localTopology({ mode, dataDir: '/tmp/x', ports: { client: 9092, internal: 9094, controller: 9093, zookeeper: 2181 } });
const server = (t: KafkaTopology) => parseProperties(renderKafkaFiles(t)['server.properties']);

describe('Kafka configuration renderer (pulumi/kafka-config)', function () {
  it('ZooKeeper mode: a broker id per pod, ZooKeeper connect, and ZooKeeper allowing the ruok probe', function () {
    const files = renderKafkaFiles(cluster('zookeeper', 1));
    const broker = parseProperties(files['server.properties']);
    expect(broker.get('broker.id')).to.equal(NODE_ID);
    expect(broker.get('zookeeper.connect')).to.equal('kafka-zookeeper.kafka.svc.cluster.local:2181');
    expect(broker.get('advertised.listeners')).to.equal(
      `CLIENT://kafka-${NODE_ID}.kafka-headless.kafka.svc.cluster.local:9092,INTERNAL://kafka-${NODE_ID}.kafka-headless.kafka.svc.cluster.local:9094`,
    );
    expect(broker.get('listeners')).to.equal('CLIENT://0.0.0.0:9092,INTERNAL://0.0.0.0:9094');
    expect(broker.get('authorizer.class.name')).to.equal('kafka.security.authorizer.AclAuthorizer');
    expect(broker.has('process.roles')).to.equal(false);
    const zookeeper = parseProperties(files['zookeeper.properties']!);
    expect(zookeeper.get('4lw.commands.whitelist')!.split(',')).to.include('ruok');
    expect(zookeeper.get('clientPort')).to.equal('2181');
    expect(zookeeper.get('dataDir')).to.equal('/var/lib/zookeeper/data');
  });

  it('KRaft mode: combined nodes, one voter per node at its stable name, no ZooKeeper file', function () {
    const files = renderKafkaFiles(cluster('kraft', 3));
    expect(files['zookeeper.properties']).to.equal(undefined);
    const node = parseProperties(files['server.properties']);
    expect(node.get('node.id')).to.equal(NODE_ID);
    expect(node.get('process.roles')).to.equal('broker,controller');
    expect(node.get('controller.quorum.voters')).to.equal(
      [0, 1, 2].map((i) => `${i}@kafka-${i}.kafka-headless.kafka.svc.cluster.local:9093`).join(','),
    );
    expect(node.get('listeners')).to.equal('CLIENT://0.0.0.0:9092,INTERNAL://0.0.0.0:9094,CONTROLLER://0.0.0.0:9093');
    expect(node.get('authorizer.class.name')).to.equal('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(node.has('zookeeper.connect')).to.equal(false);
  });

  it('clients authenticate with SCRAM-SHA-512 and may do only what ACLs allow; the PLAINTEXT listeners are the brokers\' own', function () {
    for (const mode of ['zookeeper', 'kraft'] as const) {
      const node = server(cluster(mode, 3));
      const protocols = Object.fromEntries(node.get('listener.security.protocol.map')!.split(',').map((e) => e.split(':')));
      expect(protocols.CLIENT, mode).to.equal('SASL_PLAINTEXT');
      expect(protocols.INTERNAL, mode).to.equal('PLAINTEXT');
      expect(node.get('inter.broker.listener.name'), mode).to.equal('INTERNAL');
      expect(node.get('sasl.enabled.mechanisms'), mode).to.equal('SCRAM-SHA-512');
      expect(node.get('listener.name.client.scram-sha-512.sasl.jaas.config'), mode).to.equal('org.apache.kafka.common.security.scram.ScramLoginModule required;');
      expect(node.get('super.users'), mode).to.equal('User:ANONYMOUS;User:admin');
      expect(node.get('allow.everyone.if.no.acl.found'), mode).to.equal('false');
    }
  });

  it('replicates internal topics on up to three nodes, with at least two in sync when it can', function () {
    for (const [nodes, replication, isr] of [
      [1, '1', '1'],
      [2, '2', '2'],
      [3, '3', '2'],
      [5, '3', '2'],
    ] as const) {
      const node = server(cluster('kraft', nodes));
      expect(node.get('offsets.topic.replication.factor'), `${nodes}`).to.equal(replication);
      expect(node.get('default.replication.factor'), `${nodes}`).to.equal(replication);
      expect(node.get('transaction.state.log.min.isr'), `${nodes}`).to.equal(isr);
      expect(node.get('min.insync.replicas'), `${nodes}`).to.equal(isr);
    }
  });

  it('the local node and the cluster differ only in topology keys', function () {
    for (const mode of ['zookeeper', 'kraft'] as const) {
      const a = server(cluster(mode, 1));
      const b = server(local(mode));
      expect([...a.keys()].sort(), mode).to.deep.equal([...b.keys()].sort());
      const differing = [...a.keys()].filter((k) => a.get(k) !== b.get(k));
      expect(differing.filter((k) => !(TOPOLOGY_KEYS as readonly string[]).includes(k)), mode).to.deep.equal([]);
    }
  });

  it('rejects a topology without nodes', function () {
    expect(() => renderKafkaFiles({ ...cluster('kraft', 1), nodes: 0 })).to.throw(/positive integer/);
  });
});
