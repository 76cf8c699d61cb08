import { expect } from 'chai';
import type { KafkaMessage } from 'kafkajs';
import { EVENT_TYPE_HEADER, TOPICS } from '@orders/contracts';
import { InvalidEventError, OutgoingEventError } from '../src/events/envelope.js';
import { EventRefused } from '../src/kafka/event-step.js';
import { consumerIntervalMs } from '../src/kafka/consumer-options.js';
import { deadLetterHeaders } from '../src/kafka/dead-letter.js';
import { eventDecoder } from '../src/kafka/event-decoder.js';
import { backoffMs, classifyFailure, MAX_BACKOFF_MS, RetryPolicy, type Attempts } from '../src/kafka/retry-policy.js';
import { BatchPlan, locateInRuns, type RunOutcome, type Step } from '../src/kafka/run-planner.js';
import { EventLogs } from '../src/event-logs.js';
import { orderCreated } from '@orders/testing';
import { capturingLogger } from '@orders/testing';

/** Plays a plan to the end: `outcomeOf` answers each run; returns every step taken. */
function play(plan: BatchPlan, outcomeOf: (step: Extract<Step, { kind: 'run' }>) => RunOutcome, onAlone?: (index: number) => void): Step[] {
  const steps: Step[] = [];
  for (let step = plan.step(); step.kind !== 'done'; step = plan.step()) {
    steps.push(step);
    if (steps.length > 1000) throw new Error('the plan does not end');
    if (step.kind === 'run') plan.ran(step, outcomeOf(step));
    else {
      onAlone?.(step.index);
      plan.handledAlone(step.index);
    }
  }
  return steps;
}

const describeStep = (s: Step) => (s.kind === 'run' ? `run ${s.from}-${s.to}` : s.kind === 'alone' ? `alone ${s.index}${'priorFailure' in s ? ' after failure' : ''}` : 'done');

describe('consumer run planner (pure)', function () {
  it('applies a batch that fits in one run in one step', function () {
    const steps = play(new BatchPlan(5, 10), (s) => ({ applied: s.to - s.from }));
    expect(steps.map(describeStep)).to.deep.equal(['run 0-5']);
  });

  it('cuts a long batch into runs of at most maxRun', function () {
    const steps = play(new BatchPlan(7, 3), (s) => ({ applied: s.to - s.from }));
    expect(steps.map(describeStep)).to.deep.equal(['run 0-3', 'run 3-6', 'run 6-7']);
  });

  it('after a run that applied only its leading messages, goes on from the first one left', function () {
    // The run stops before an invalid message at 2; that one alone then fails decoding (failedAt 0).
    const steps = play(new BatchPlan(5, 10), (s) => (s.from === 0 ? { applied: 2 } : s.from === 2 ? { failedAt: 0, error: undefined } : { applied: s.to - s.from }));
    expect(steps.map(describeStep)).to.deep.equal(['run 0-5', 'run 2-5', 'alone 2 after failure', 'run 3-5']);
  });

  it('when one event fails a run, applies the events before it, then that event alone with its failure, then the rest', function () {
    const failure = new Error('boom');
    const plan = new BatchPlan(6, 10);
    const steps = play(plan, (s) => (s.from === 0 && s.to === 6 ? { failedAt: 3, error: failure } : { applied: s.to - s.from }));
    expect(steps.map(describeStep)).to.deep.equal(['run 0-6', 'run 0-3', 'alone 3 after failure', 'run 4-6']);
    expect((steps[2] as Extract<Step, { kind: 'alone' }>).priorFailure).to.equal(failure);
    expect(plan.done).to.equal(6);
  });

  it('when the first event of a run fails, handles it alone at once', function () {
    const steps = play(new BatchPlan(3, 10), (s) => (s.from === 0 ? { failedAt: 0, error: 'e' } : { applied: s.to - s.from }));
    expect(steps.map(describeStep)).to.deep.equal(['run 0-3', 'alone 0 after failure', 'run 1-3']);
  });

  it('when a run fails as a whole, handles each of its messages alone, then runs again after it', function () {
    const steps = play(new BatchPlan(6, 3), (s) => (s.from === 0 ? { failed: true } : { applied: s.to - s.from }));
    expect(steps.map(describeStep)).to.deep.equal(['run 0-3', 'alone 0', 'alone 1', 'alone 2', 'run 3-6']);
  });

  it('a second failing event in the shorter run is isolated first; the first one is tried again in a run after', function () {
    const steps = play(new BatchPlan(5, 10), (s) => (s.to === 5 && s.from === 0 ? { failedAt: 4, error: 'a' } : s.from === 0 && s.to === 4 ? { failedAt: 1, error: 'b' } : { applied: s.to - s.from }));
    expect(steps.map(describeStep)).to.deep.equal(['run 0-5', 'run 0-4', 'run 0-1', 'alone 1 after failure', 'run 2-5']);
  });

  it('handles every message exactly once, in order, whatever the runs give (seeded random outcomes)', function () {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 300; trial++) {
      const length = 1 + Math.floor(random() * 30);
      const plan = new BatchPlan(length, 1 + Math.floor(random() * 8));
      const seen: number[] = [];
      play(
        plan,
        (s) => {
          const r = random();
          if (r < 0.5) {
            const applied = 1 + Math.floor(random() * (s.to - s.from));
            for (let i = s.from; i < s.from + applied; i++) seen.push(i);
            return { applied };
          }
          if (r < 0.8) return { failedAt: Math.floor(random() * (s.to - s.from)), error: 'x' };
          return { failed: true };
        },
        (index) => seen.push(index),
      );
      expect(seen, `trial ${trial}`).to.deep.equal(Array.from({ length }, (_, i) => i));
      expect(plan.done).to.equal(length);
    }
  });

  it('keeps the failing event in mind while the events before it are handled alone', function () {
    const failure = new Error('event 3');
    const steps = play(new BatchPlan(5, 10), (s) => (s.to === 5 && s.from === 0 ? { failedAt: 3, error: failure } : s.from === 0 ? { failed: true } : { applied: s.to - s.from }));
    expect(steps.map(describeStep)).to.deep.equal(['run 0-5', 'run 0-3', 'alone 0', 'alone 1', 'alone 2', 'alone 3 after failure', 'run 4-5']);
    expect((steps[5] as Extract<Step, { kind: 'alone' }>).priorFailure).to.equal(failure);
  });

  it('refuses to apply more than a later run holds', function () {
    const plan = new BatchPlan(6, 3);
    plan.ran(plan.step() as Extract<Step, { kind: 'run' }>, { applied: 3 });
    const second = plan.step() as Extract<Step, { kind: 'run' }>;
    expect(second).to.deep.equal({ kind: 'run', from: 3, to: 6 });
    expect(() => plan.ran(second, { applied: 4 })).to.throw('a run of 3 cannot apply 4');
  });

  it('refuses outcomes that cannot be and a run size below one', function () {
    const plan = new BatchPlan(3, 3);
    const step = plan.step() as Extract<Step, { kind: 'run' }>;
    expect(() => plan.ran(step, { applied: 0 })).to.throw(/cannot apply 0/);
    expect(() => plan.ran(step, { applied: 4 })).to.throw(/cannot apply 4/);
    expect(() => new BatchPlan(3, 0)).to.throw(/maxRun/);
    expect(new BatchPlan(0, 3).step()).to.deep.equal({ kind: 'done' });
  });

  it('finds the run and the place in it of an event of combined runs', function () {
    expect(locateInRuns([2, 3, 1], 0)).to.deep.equal({ run: 0, index: 0 });
    expect(locateInRuns([2, 3, 1], 1)).to.deep.equal({ run: 0, index: 1 });
    expect(locateInRuns([2, 3, 1], 2)).to.deep.equal({ run: 1, index: 0 });
    expect(locateInRuns([2, 3, 1], 5)).to.deep.equal({ run: 2, index: 0 });
    expect(() => locateInRuns([2, 3, 1], 6)).to.throw(/past the 6 events/);
  });
});

describe('consumer batch interval (pure)', function () {
  it('is two thirds of BATCH_INTERVAL_MS, so a consumer is ready before the next batch from upstream lands; 0 stays 0', function () {
    expect([0, 1, 3, 15, 25, 1000].map(consumerIntervalMs)).to.deep.equal([0, 1, 2, 10, 17, 667]);
    for (let ms = 2; ms <= 1000; ms++) expect(consumerIntervalMs(ms), `${ms} ms`).to.be.greaterThan(0).and.lessThan(ms);
  });
});

describe('consumer retry policy (pure)', function () {
  const policy = new RetryPolicy(2, 100);
  const pgDown = Object.assign(new Error('terminating connection'), { code: '57P01' });
  const kafkaRetriable = Object.assign(new Error('leader not available'), { name: 'KafkaJSProtocolError', retriable: true });

  it('classifies by error type and code', function () {
    expect(classifyFailure(pgDown)).to.equal('infrastructure');
    expect(classifyFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).to.equal('infrastructure');
    expect(classifyFailure(kafkaRetriable)).to.equal('infrastructure');
    expect(classifyFailure(new InvalidEventError('bad'))).to.equal('invalid');
    expect(classifyFailure(new EventRefused('the refund would pass the limit')), 'a domain refusal: dead-lettered at once').to.equal('invalid');
    expect(classifyFailure(new OutgoingEventError(new InvalidEventError('payload of X is invalid')))).to.equal('handler');
    expect(classifyFailure(Object.assign(new Error('duplicate key'), { code: '23505' }))).to.equal('handler');
    expect(classifyFailure(new TypeError('undefined is not a function'))).to.equal('handler');
    expect(classifyFailure('a string')).to.equal('handler');
  });

  it('retries a failing handler maxRetries times with growing delays, then dead-letters it', function () {
    let attempts: Attempts = { handler: 0, infrastructure: 0 };
    const decisions = [];
    for (let i = 0; i < 3; i++) {
      const next = policy.next(attempts, new Error('boom'));
      attempts = next.attempts;
      decisions.push(next.decision);
    }
    expect(decisions).to.deep.equal([
      { action: 'retry', kind: 'handler', attempt: 1, delayMs: 100 },
      { action: 'retry', kind: 'handler', attempt: 2, delayMs: 200 },
      { action: 'dead-letter', attempts: 3 },
    ]);
  });

  it('dead-letters an invalid event at once', function () {
    expect(policy.next({ handler: 0, infrastructure: 0 }, new InvalidEventError('bad')).decision).to.deep.equal({ action: 'dead-letter', attempts: 1 });
  });

  it('retries infrastructure faults without limit, counted apart from handler failures', function () {
    let attempts: Attempts = { handler: 1, infrastructure: 0 };
    for (let i = 1; i <= 50; i++) {
      const next = policy.next(attempts, pgDown);
      expect(next.decision).to.include({ action: 'retry', kind: 'infrastructure', attempt: i });
      attempts = next.attempts;
    }
    expect(attempts).to.deep.equal({ handler: 1, infrastructure: 50 });
  });

  it('backs off exponentially up to a cap', function () {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 100))).to.deep.equal([100, 200, 400, 800]);
    expect(backoffMs(30, 100)).to.equal(MAX_BACKOFF_MS);
    expect(backoffMs(1000, 1)).to.equal(MAX_BACKOFF_MS);
  });
});

describe('consumer decoding and dead-letter headers (pure)', function () {
  const message = (value: unknown, headers: Record<string, string> = {}): KafkaMessage =>
    ({ key: Buffer.from('k'), value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), headers, offset: '7', timestamp: '0', attributes: 0 }) as unknown as KafkaMessage;

  it('returns the events it handles, skips known types it does not by their header, unparsed', function () {
    const decode = eventDecoder(['OrderCreated'], 'p.');
    const event = orderCreated();
    expect(decode(`p.${TOPICS.order}`, message(event))).to.deep.equal(event);
    expect(decode(`p.${TOPICS.order}`, message('not json at all', { [EVENT_TYPE_HEADER]: 'OrderCancelled' }))).to.equal(null);
  });

  it('decodes anything else, so unknown types, wrong topics and bad JSON throw InvalidEventError', function () {
    const decode = eventDecoder(['OrderCreated'], '');
    expect(() => decode(TOPICS.order, message('{oops', { [EVENT_TYPE_HEADER]: 'Unheard' }))).to.throw(InvalidEventError);
    expect(() => decode(TOPICS.payment, message(orderCreated(), { [EVENT_TYPE_HEADER]: 'OrderCreated' }))).to.throw(InvalidEventError);
    expect(() => decode(TOPICS.order, message('{oops'))).to.throw(InvalidEventError);
  });

  it('keeps the message headers and adds the error and where the message came from', function () {
    const error = new InvalidEventError('payload invalid', [{ path: 'items', message: 'required' }]);
    const at = new Date('2026-11-28T10:00:00Z');
    const headers = deadLetterHeaders(message('x', { 'event-type': 'OrderCreated' }), error, { topic: 't', partition: 3, groupId: 'g' }, at);
    expect(headers).to.deep.equal({
      'event-type': 'OrderCreated',
      'dlq-error': 'payload invalid',
      'dlq-error-type': 'InvalidEventError',
      'dlq-error-details': '[{"path":"items","message":"required"}]',
      'dlq-source-topic': 't',
      'dlq-source-partition': '3',
      'dlq-source-offset': '7',
      'dlq-consumer-group': 'g',
      'dlq-failed-at': '2026-11-28T10:00:00.000Z',
    });
    expect(deadLetterHeaders(message('x'), 'plain', { topic: 't', partition: 0, groupId: 'g' }, at)).to.include({ 'dlq-error': 'plain', 'dlq-error-type': 'Error' });
  });
});

describe('consumer event log lines (pure)', function () {
  it('a line carries the event: orderId, correlationId, type and id, with its own fields', function () {
    const { logger, lines } = capturingLogger('info');
    const event = orderCreated(undefined, 'corr-7');
    new EventLogs(logger).write(event, 'info', { amountCents: 5 }, 'payment captured');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({
      orderId: event.orderId,
      correlationId: 'corr-7',
      eventType: 'OrderCreated',
      eventId: event.eventId,
      amountCents: 5,
      msg: 'payment captured',
    });
  });

  it('a line below the level is neither written nor given a child logger; one at or above it is', function () {
    const { logger, lines } = capturingLogger('warn');
    let children = 0;
    const child = logger.child.bind(logger);
    logger.child = ((...args: Parameters<typeof child>) => (children++, child(...args))) as typeof logger.child;
    const logs = new EventLogs(logger);
    const event = orderCreated();
    logs.write(event, 'info', {}, 'stock reserved');
    expect([lines.length, children]).to.deep.equal([0, 0]);
    logs.write(event, 'warn', {}, 'event for an unknown order ignored');
    expect([lines.length, children]).to.deep.equal([1, 1]);
    expect(lines[0]).to.include({ orderId: event.orderId, eventId: event.eventId, msg: 'event for an unknown order ignored' });
  });
});
