import { expect } from 'chai';
import { AclOperationTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { systemAcls } from '../src/kafka/acls.js';

describe('Kafka ACLs of the system (pure)', function () {
  const acls = systemAcls('env1.');
  const of = (user: string, operation: AclOperationTypes, type = AclResourceTypes.TOPIC) =>
    acls
      .filter((a) => a.principal === `User:${user}` && a.operation === operation && a.resourceType === type)
      .map((a) => a.resourceName)
      .sort();

  it('each service writes only its own topic and the dead letters of what it reads, under the prefix', function () {
    expect(of('order-service', AclOperationTypes.WRITE)).to.deep.equal(['env1.inventory-events.dlq', 'env1.order-events', 'env1.payment-events.dlq']);
    expect(of('payment-service', AclOperationTypes.WRITE)).to.deep.equal(['env1.inventory-events.dlq', 'env1.order-events.dlq', 'env1.payment-events']);
    expect(of('inventory-service', AclOperationTypes.WRITE)).to.deep.equal(['env1.inventory-events', 'env1.order-events.dlq', 'env1.payment-events.dlq']);
  });

  it('each service reads what it consumes, with its own group only', function () {
    expect(of('order-service', AclOperationTypes.READ)).to.deep.equal(['env1.inventory-events', 'env1.payment-events']);
    expect(of('payment-service', AclOperationTypes.READ, AclResourceTypes.GROUP)).to.deep.equal(['env1.payment-service']);
  });

  it('Kafka UI reads and describes, writes nothing; every ACL is literal, an allow, for any host', function () {
    expect(of('kafka-ui', AclOperationTypes.WRITE)).to.deep.equal([]);
    expect(of('kafka-ui', AclOperationTypes.READ)).to.deep.equal(['*']);
    expect(acls.every((a) => a.resourcePatternType === ResourcePatternTypes.LITERAL && a.host === '*' && a.permissionType === 3)).to.equal(true);
    expect(acls.filter((a) => a.principal === 'User:admin')).to.deep.equal([]);
  });
});
