import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createEvent, decodeEvent, followUpEvent, InvalidEventError, outgoingEvent, OutgoingEventError, validateEvent } from '../src/events/envelope.js';

const valid = () => ({
  eventId: randomUUID(),
  type: 'PaymentCompleted',
  version: 1,
  occurredAt: '2026-11-28T10:00:00.000Z',
  orderId: randomUUID(),
  correlationId: 'corr-1',
  payload: { customerId: 'alice', amountCents: 300 },
});
const rejection = (value: unknown, topic?: string) => {
  try {
    validateEvent(value, topic);
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidEventError);
    return error as InvalidEventError;
  }
  throw new Error('expected InvalidEventError');
};

describe('event envelope validation (pure)', function () {
  it('accepts a valid event on its topic and returns it with the parsed payload', function () {
    const event = valid();
    expect(validateEvent(event, 'payment-events')).to.deep.equal(event);
    expect(validateEvent(event)).to.deep.equal(event);
    const withOffset = { ...valid(), occurredAt: '2026-11-28T11:00:00+01:00' };
    expect(validateEvent(withOffset)).to.deep.equal(withOffset);
  });

  it('rejects an envelope with a field missing, extra, or malformed, naming where', function () {
    const { eventId: _, ...missing } = valid();
    expect(rejection(missing).message).to.equal('event envelope is invalid');
    expect(rejection({ ...valid(), extra: 1 }).details).to.be.an('array').that.is.not.empty;
    expect(rejection({ ...valid(), eventId: 'not-a-uuid' }).message).to.equal('event envelope is invalid');
    expect(rejection({ ...valid(), orderId: 'x' }).message).to.equal('event envelope is invalid');
    expect(rejection({ ...valid(), occurredAt: 'yesterday' }).message).to.equal('event envelope is invalid');
    expect(rejection({ ...valid(), version: 0 }).message).to.equal('event envelope is invalid');
    expect(rejection({ ...valid(), correlationId: '' }).message).to.equal('event envelope is invalid');
    expect(rejection({ ...valid(), correlationId: 'c'.repeat(201) }).message).to.equal('event envelope is invalid');
    expect(rejection({ ...valid(), type: '' }).message).to.equal('event envelope is invalid');
    expect(rejection('a string').message).to.equal('event envelope is invalid');
  });

  it('rejects an unknown type, a type on another topic, another version, an invalid payload', function () {
    expect(rejection({ ...valid(), type: 'PaymentExploded' }).message).to.equal('unknown event type "PaymentExploded"');
    expect(rejection(valid(), 'order-events').message).to.equal('event type PaymentCompleted does not belong on topic order-events');
    expect(rejection({ ...valid(), version: 2 }).message).to.equal('unsupported version 2 of PaymentCompleted (expected 1)');
    const bad = rejection({ ...valid(), payload: { customerId: 'alice', amountCents: -5 } });
    expect(bad.message).to.equal('payload of PaymentCompleted is invalid');
    expect(JSON.stringify(bad.details)).to.include('amountCents');
  });

  it('decodes a message value: none or not JSON is invalid', function () {
    const event = valid();
    expect(decodeEvent(Buffer.from(JSON.stringify(event)), 'payment-events')).to.deep.equal(event);
    expect(() => decodeEvent(null, 'payment-events')).to.throw(InvalidEventError, 'message has no value');
    expect(() => decodeEvent(Buffer.from('{'), 'payment-events')).to.throw(InvalidEventError, 'message value is not JSON');
    expect(() => decodeEvent(Buffer.from(JSON.stringify(event)), 'order-events')).to.throw(InvalidEventError, /does not belong/);
  });

  it('creates a validated envelope; a follow-up keeps the order and the correlation', function () {
    const orderId = randomUUID();
    const created = createEvent('OrderCreated', { orderId, correlationId: 'c9', payload: { customerId: 'alice', items: [{ sku: 'A', quantity: 1 }] } });
    expect(created).to.include({ type: 'OrderCreated', version: 1, orderId, correlationId: 'c9' });
    expect(created.eventId).to.match(/^[0-9a-f-]{36}$/);
    expect(Date.parse(created.occurredAt)).to.be.closeTo(Date.now(), 5000);
    const next = followUpEvent(created, 'OrderCancelled', { customerId: 'alice', reason: 'TIMEOUT' });
    expect(next).to.include({ orderId, correlationId: 'c9', type: 'OrderCancelled' });
    expect(next.eventId).to.not.equal(created.eventId);
    expect(() => createEvent('OrderCreated', { orderId, correlationId: 'c', payload: { customerId: 'alice', items: [] } }))
      .to.throw(OutgoingEventError, 'outgoing payload of OrderCreated is invalid')
      .that.is.instanceOf(InvalidEventError)
      // The dead-letter headers carry the error's name.
      .and.has.property('name', 'OutgoingEventError');
  });
  it('an envelope createEvent made is frozen to the last item, so it is written as it was validated; any other is validated when written', function () {
    const created = createEvent('OrderCreated', { orderId: randomUUID(), correlationId: 'c', payload: { customerId: 'alice', items: [{ sku: 'A', quantity: 1 }] } });
    expect(outgoingEvent(created)).to.equal(created);
    expect(() => ((created as { orderId: string }).orderId = 'x')).to.throw(TypeError);
    expect(() => (created.payload.items as { quantity: number }[])[0]!.quantity = 0).to.throw(TypeError);
    expect(() => (created.payload.items as unknown[]).push({ sku: 'B', quantity: 1 })).to.throw(TypeError);

    const other = valid();
    const written = outgoingEvent(other as never);
    expect(written).to.deep.equal(other);
    expect(written, 'a validated copy').to.not.equal(other);
    expect(() => outgoingEvent({ ...valid(), payload: { customerId: 'alice', amountCents: -1 } } as never)).to.throw(InvalidEventError);
    expect(() => outgoingEvent({ ...created, eventId: 'not-a-uuid' })).to.throw(InvalidEventError, 'event envelope is invalid');
  });
});
