import { dlqTopic, TOPICS } from './events.js';
import { SERVICE_CONTRACTS, type ServiceContract } from './services.js';

/** The Kafka user of the topic Job: a super user (it creates the topics and everyone's ACLs). */
export const KAFKA_ADMIN_USER = 'admin';
/** Kafka UI's user: it may read and describe, nothing else. */
export const KAFKA_UI_USER = 'kafka-ui';

/** What one principal may do on Kafka, before the topic prefix is put in front of each name. */
export interface KafkaAccess {
  user: string;
  /** Topics it may write: its own events, and the dead letters of what it consumes. */
  writes: string[];
  /** Topics it may read, with its consumer group. */
  reads: string[];
  group: string;
}

/** A service's access: its user, as its consumer group, is its service name. */
export function serviceKafkaAccess(contract: ServiceContract): KafkaAccess {
  return {
    user: contract.serviceName,
    writes: [TOPICS[contract.name], ...contract.consumes.map(dlqTopic)],
    reads: [...contract.consumes],
    group: contract.serviceName,
  };
}

/** Every Kafka user the system has: the topic Job's, Kafka UI's and one per service. */
export const KAFKA_USERS: readonly string[] = [KAFKA_ADMIN_USER, KAFKA_UI_USER, ...Object.values(SERVICE_CONTRACTS).map((c) => c.serviceName)];
