import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Kafka } from 'kafkajs';
import { KAFKA_UI_USER, SERVICE_CONTRACTS, serviceKafkaAccess, type KafkaAccess } from '@orders/contracts';

const allow = (user: string, resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes): AclEntry => ({
  resourceType,
  resourceName,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: `User:${user}`,
  host: '*',
  operation,
  permissionType: AclPermissionTypes.ALLOW,
});

/**
 * The ACLs of the system under a topic prefix: each service may write its own topic and the
 * dead letters of what it consumes, read what it consumes with its own group, and nothing
 * else; Kafka UI may read and describe every topic, group and the cluster, change nothing.
 * (WRITE and READ imply DESCRIBE; WRITE on a topic also lets an idempotent producer start.)
 */
export function systemAcls(prefix: string): AclEntry[] {
  const service = (access: KafkaAccess) => [
    ...access.writes.map((topic) => allow(access.user, AclResourceTypes.TOPIC, prefix + topic, AclOperationTypes.WRITE)),
    ...access.reads.map((topic) => allow(access.user, AclResourceTypes.TOPIC, prefix + topic, AclOperationTypes.READ)),
    allow(access.user, AclResourceTypes.GROUP, prefix + access.group, AclOperationTypes.READ),
  ];
  const ui = [
    allow(KAFKA_UI_USER, AclResourceTypes.TOPIC, '*', AclOperationTypes.READ),
    allow(KAFKA_UI_USER, AclResourceTypes.TOPIC, '*', AclOperationTypes.DESCRIBE_CONFIGS),
    allow(KAFKA_UI_USER, AclResourceTypes.GROUP, '*', AclOperationTypes.DESCRIBE),
    allow(KAFKA_UI_USER, AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.DESCRIBE),
    allow(KAFKA_UI_USER, AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.DESCRIBE_CONFIGS),
  ];
  return [...Object.values(SERVICE_CONTRACTS).flatMap((c) => service(serviceKafkaAccess(c))), ...ui];
}

/** Adds the system's ACLs (adding one that exists changes nothing); the client must be a super user. */
export async function ensureAcls(kafka: Kafka, prefix: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const acl = systemAcls(prefix);
    await admin.createAcls({ acl });
    return acl.length;
  } finally {
    await admin.disconnect();
  }
}
