import { createHash } from 'node:crypto';
import { KAFKA_ADMIN_USER } from '@orders/contracts';

export type KafkaMode = 'zookeeper' | 'kraft';

/** Stands for the node's own id in a rendered file; `start.sh` puts in the pod's ordinal. */
export const NODE_ID = '@NODE_ID@';

/** Where the nodes of one Kafka installation run and how they reach each other. */
export interface KafkaTopology {
  mode: KafkaMode;
  /** Node ids are 0 … nodes-1: the StatefulSet ordinals in the cluster, 0 on the development machine. */
  nodes: number;
  /** Host name of node `{id}` as clients and the other nodes reach it. */
  nodeHost: string;
  /** Address every listener binds: 0.0.0.0 in a pod, 127.0.0.1 on the development machine. */
  bindAddress: string;
  /** client: SASL/SCRAM for every client; internal: broker to broker; controller: KRaft voters. */
  ports: { client: number; internal: number; controller: number; zookeeper: number };
  /** `host:port` of ZooKeeper (zookeeper mode). */
  zookeeperConnect: string;
  /** Broker data (log.dirs). */
  dataDir: string;
  /** ZooKeeper snapshots and transaction log. */
  zookeeperDataDir: string;
}

/** The files a topology runs from. ZooKeeper's exists in zookeeper mode only. */
export interface KafkaFiles {
  'server.properties': string;
  'zookeeper.properties'?: string;
}

/** The SASL mechanism of the client listener (credentials are salted, never sent in clear). */
export const SASL_MECHANISM = 'SCRAM-SHA-512';

/** The four-letter words ZooKeeper answers; its probes use `ruok`. Anything else is refused. */
export const ZOOKEEPER_FOUR_LETTER_WORDS = ['ruok', 'srvr'] as const;

/**
 * Keys whose values come from the topology (hosts, ports, directories, node counts). Every
 * other key has the same value wherever the configuration runs; a test holds the cluster's
 * and the local broker's files to that.
 */
export const TOPOLOGY_KEYS = [
  'node.id',
  'broker.id',
  'log.dirs',
  'listeners',
  'advertised.listeners',
  'controller.quorum.voters',
  'zookeeper.connect',
  'default.replication.factor',
  'min.insync.replicas',
  'offsets.topic.replication.factor',
  'transaction.state.log.replication.factor',
  'transaction.state.log.min.isr',
  'dataDir',
  'clientPort',
  'clientPortAddress',
] as const;

const hostOf = (topology: KafkaTopology, id: number | string) => topology.nodeHost.replaceAll('{id}', String(id));

/** Topic replication of a topology: every node up to three. */
export const replicationOf = (nodes: number) => Math.min(nodes, 3);

export function renderKafkaFiles(topology: KafkaTopology): KafkaFiles {
  if (!Number.isInteger(topology.nodes) || topology.nodes < 1) throw new Error(`nodes must be a positive integer, not ${topology.nodes}`);
  const replication = replicationOf(topology.nodes);
  const minIsr = Math.min(2, replication);
  const { client, internal, controller, zookeeper } = topology.ports;
  const kraft = topology.mode === 'kraft';
  const bind = topology.bindAddress;

  const server: [string, string | number][] = [
    [kraft ? 'node.id' : 'broker.id', NODE_ID],
    ['log.dirs', topology.dataDir],
    ...(kraft
      ? ([
          ['process.roles', 'broker,controller'],
          [
            'controller.quorum.voters',
            Array.from({ length: topology.nodes }, (_, id) => `${id}@${hostOf(topology, id)}:${controller}`).join(','),
          ],
          ['controller.listener.names', 'CONTROLLER'],
          ['listeners', `CLIENT://${bind}:${client},INTERNAL://${bind}:${internal},CONTROLLER://${bind}:${controller}`],
          ['listener.security.protocol.map', 'CLIENT:SASL_PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT'],
          ['authorizer.class.name', 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'],
        ] as [string, string][])
      : ([
          ['zookeeper.connect', topology.zookeeperConnect],
          ['zookeeper.connection.timeout.ms', 30000],
          ['listeners', `CLIENT://${bind}:${client},INTERNAL://${bind}:${internal}`],
          ['listener.security.protocol.map', 'CLIENT:SASL_PLAINTEXT,INTERNAL:PLAINTEXT'],
          ['authorizer.class.name', 'kafka.security.authorizer.AclAuthorizer'],
        ] as [string, string | number][])),
    ['advertised.listeners', `CLIENT://${hostOf(topology, NODE_ID)}:${client},INTERNAL://${hostOf(topology, NODE_ID)}:${internal}`],
    ['inter.broker.listener.name', 'INTERNAL'],
    // Clients authenticate with SCRAM (start.sh creates the users); each may do only what its
    // ACLs allow (the topic Job writes them), nothing where none is found.
    ['sasl.enabled.mechanisms', SASL_MECHANISM],
    ['listener.name.client.scram-sha-512.sasl.jaas.config', 'org.apache.kafka.common.security.scram.ScramLoginModule required;'],
    // The topic Job's user creates the topics and everyone's ACLs; ANONYMOUS is who speaks on
    // the internal and controller listeners (PLAINTEXT), which only the brokers may reach.
    ['super.users', `User:ANONYMOUS;User:${KAFKA_ADMIN_USER}`],
    ['allow.everyone.if.no.acl.found', 'false'],
    ['num.partitions', 3],
    ['default.replication.factor', replication],
    ['min.insync.replicas', minIsr],
    ['offsets.topic.replication.factor', replication],
    ['offsets.topic.num.partitions', 10],
    ['transaction.state.log.replication.factor', replication],
    ['transaction.state.log.min.isr', minIsr],
    // Topics are created by the services' `topics` command, with their own settings.
    ['auto.create.topics.enable', 'false'],
    ['delete.topic.enable', 'true'],
    ['group.initial.rebalance.delay.ms', 0],
    // Kafka's default floor is 6 s; the services ask for 4.5 s (CONSUMER_SESSION_TIMEOUT_MS),
    // so a dead member's partitions move on sooner. Their clients do not pause for GC as JVMs do.
    ['group.min.session.timeout.ms', 3000],
    ['log.retention.hours', 168],
    ['log.segment.bytes', 67108864],
    ['num.network.threads', 2],
    ['num.io.threads', 4],
    ['num.recovery.threads.per.data.dir', 1],
  ];
  const files: KafkaFiles = { 'server.properties': properties(`Kafka ${topology.mode} node`, server) };
  if (!kraft) {
    files['zookeeper.properties'] = properties('ZooKeeper', [
      ['dataDir', topology.zookeeperDataDir],
      ['clientPort', zookeeper],
      ['clientPortAddress', topology.bindAddress],
      ['tickTime', 2000],
      ['maxClientCnxns', 0],
      ['admin.enableServer', 'false'],
      // Only `srvr` is allowed unless listed here; the probes need `ruok`.
      ['4lw.commands.whitelist', ZOOKEEPER_FOUR_LETTER_WORDS.join(',')],
    ]);
  }
  return files;
}

function properties(what: string, entries: [string, string | number][]): string {
  const lines = entries.map(([key, value]) => `${key}=${value}`);
  return [`# ${what}, rendered by pulumi/kafka-config (renderKafkaFiles); ${NODE_ID} is replaced at start.`, ...lines, ''].join('\n');
}

/** A properties file as a map (comments and blank lines skipped). */
export function parseProperties(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    if (at < 1) throw new Error(`not a property line: ${line}`);
    map.set(trimmed.slice(0, at), trimmed.slice(at + 1));
  }
  return map;
}

/**
 * Whether `id` is a cluster id Kafka itself could have generated: 16 bytes in unpadded
 * base64url (22 characters), not one of the reserved ids (all zeros, or 0…01: the metadata
 * topic's), and not starting with `-`, which the command-line tools would read as an
 * option (`kafka-storage format -t -…` fails with "expected one argument").
 * apache/kafka 3.9.1 clients/src/main/java/org/apache/kafka/common/Uuid.java, randomUuid().
 */
export function isValidKafkaUuid(id: string): boolean {
  if (!/^[A-Za-z0-9_-]{22}$/.test(id) || id.startsWith('-')) return false;
  const bytes = Buffer.from(id, 'base64url');
  if (bytes.length !== 16 || bytes.toString('base64url') !== id) return false;
  const reserved = bytes.subarray(0, 15).every((b) => b === 0) && bytes[15]! <= 1;
  return !reserved;
}

/**
 * A stable KRaft cluster id derived from `key` (the same id for a stack on every run): the
 * first 16 bytes of sha256(key) in base64url, hashed again with a counter while that is not
 * a valid Kafka id (about one key in 64 starts with `-`). Keys whose first id is valid keep
 * it, so brokers formatted with it still start.
 */
export function kraftClusterId(key: string): string {
  for (let attempt = 0; ; attempt++) {
    const input = attempt === 0 ? key : `${key}#${attempt}`;
    const id = createHash('sha256').update(input).digest().subarray(0, 16).toString('base64url');
    if (isValidKafkaUuid(id)) return id;
  }
}
