import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The pulumi/kafka-config folder: pom.xml (the version), start.sh and log4j.properties. */
export const KAFKA_CONFIG_DIR = path.resolve(__dirname, '..', '..');

/** The files every Kafka and ZooKeeper node starts from, as their text. */
export const startScript = () => readFileSync(path.join(KAFKA_CONFIG_DIR, 'start.sh'), 'utf8');
export const log4jProperties = () => readFileSync(path.join(KAFKA_CONFIG_DIR, 'log4j.properties'), 'utf8');

/** The Apache Kafka version the local jars are fetched at (pulumi/kafka-config/pom.xml). */
export function kafkaVersion(): string {
  const pom = readFileSync(path.join(KAFKA_CONFIG_DIR, 'pom.xml'), 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match) throw new Error('pulumi/kafka-config/pom.xml has no <kafka.version>');
  return match[1]!;
}
