import type * as k8s from '@pulumi/kubernetes';
import { checksum, podSecurity, podSpec, restrictedContainer } from '../k8s.js';

/**
 * What every Kafka and ZooKeeper pod shares: the apache/kafka image's user and jars, the
 * files of the `kafka-config` ConfigMap (each node mounts only its own file, the start
 * script and the log configuration), and the start command, pulumi/kafka-config/start.sh.
 */
export const KAFKA_PORT = 9092;
export const CONTROLLER_PORT = 9093;
/** Broker to broker (PLAINTEXT): only the brokers may reach it. */
export const INTERNAL_PORT = 9094;
export const ZOOKEEPER_PORT = 2181;
/** appuser of the apache/kafka image. */
const KAFKA_UID = 1000;
/** Where the apache/kafka image keeps the distribution's jars. */
const KAFKA_LIBS = '/opt/kafka/libs';
const CONFIG_DIR = '/etc/kafka-config';
const WORK_DIR = '/tmp/work';

/** The rendered files and where they are: the ConfigMap's name and data. */
export interface NodeFiles {
  configMap: string;
  data: Record<string, string>;
}

/** A node's pod template: its labels, a checksum of the files (a change restarts the nodes), its one container. */
export function nodeTemplate(
  files: NodeFiles,
  role: 'kafka' | 'zookeeper',
  file: string,
  podLabels: Record<string, string>,
  container: Omit<k8s.types.input.core.v1.Container, 'command' | 'securityContext'> & {
    heap: string;
    dataPath: string;
    /** A Secret mounted read-only as a directory of files (the brokers' users). */
    secretDir?: { secretName: string; mountPath: string };
  },
  pod: Partial<k8s.types.input.core.v1.PodSpec> = {},
): k8s.types.input.core.v1.PodTemplateSpec {
  const { heap, dataPath, secretDir, env = [], ...rest } = container;
  return {
    metadata: { labels: podLabels, annotations: { 'orders.example/config-checksum': checksum(files.data) } },
    spec: podSpec({
      securityContext: podSecurity(KAFKA_UID),
      ...pod,
      containers: [
        {
          ...rest,
          command: ['sh', `${CONFIG_DIR}/start.sh`, role, `${CONFIG_DIR}/${file}`, WORK_DIR],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'KAFKA_LIBS', value: KAFKA_LIBS },
            { name: 'KAFKA_LOG4J', value: `${CONFIG_DIR}/log4j.properties` },
            { name: 'KAFKA_HEAP_OPTS', value: heap },
            { name: 'KAFKA_JVM_OPTS', value: '-Djava.awt.headless=true' },
            ...(env as k8s.types.input.core.v1.EnvVar[]),
          ],
          securityContext: restrictedContainer(KAFKA_UID),
          volumeMounts: [
            { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'data', mountPath: dataPath },
            ...(secretDir ? [{ name: 'users', mountPath: secretDir.mountPath, readOnly: true }] : []),
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: files.configMap, items: [file, 'start.sh', 'log4j.properties'].map((key) => ({ key, path: key })) } },
        { name: 'tmp', emptyDir: {} },
        ...(secretDir ? [{ name: 'users', secret: { secretName: secretDir.secretName, defaultMode: 0o400 } }] : []),
      ],
    }),
  };
}
