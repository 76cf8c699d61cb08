import type { KafkaMode, KafkaTopology } from './render.js';

/** One node on the development machine's loopback (scripts/infra.sh). */
export function localTopology(options: {
  mode: KafkaMode;
  dataDir: string;
  ports: KafkaTopology['ports'];
}): KafkaTopology {
  return {
    mode: options.mode,
    nodes: 1,
    nodeHost: '127.0.0.1',
    bindAddress: '127.0.0.1',
    ports: options.ports,
    zookeeperConnect: `127.0.0.1:${options.ports.zookeeper}`,
    dataDir: `${options.dataDir}/kafka-${options.mode}`,
    zookeeperDataDir: `${options.dataDir}/zookeeper`,
  };
}

/** The pod name the local node starts as: its id is 0, like the first pod of the StatefulSet. */
export const LOCAL_POD_NAME = 'kafka-0';
