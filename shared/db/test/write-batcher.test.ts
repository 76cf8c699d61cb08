import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { QueueFullError, WriteBatcher } from '../src/write-batcher.js';

/** A write that records its batches and completes when the test says so. */
function recordingWrite() {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const write = (items: number[]) => {
    batches.push(items);
    return new Promise<string[]>((resolve) => pending.push(() => resolve(items.map((i) => `done ${i}`))));
  };
  const releaseAll = () => pending.splice(0).forEach((release) => release());
  return { batches, write, releaseAll };
}

/**
 * Lets the turn of the event loop end and the batch it gathered start, or the callbacks of a
 * finished write run and the next batch start (two turns).
 */
const settle = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

describe('WriteBatcher (group commit)', function () {
  it('writes an item as soon as the turn of the event loop that submitted it has ended, when nothing is in flight', async function () {
    const { batches, write, releaseAll } = recordingWrite();
    const batcher = new WriteBatcher(write, { maxBatch: 10, maxInFlight: 1 });
    const result = batcher.submit(1);
    expect(batches, 'still in the turn that submitted it').to.deep.equal([]);
    await settle();
    expect(batches).to.deep.equal([[1]]);
    releaseAll();
    expect(await result).to.equal('done 1');
  });

  it('with maxQueued, refuses at once what would wait past it; the items already in keep their answers, and room frees as batches start', async function () {
    const { batches, write, releaseAll } = recordingWrite();
    const batcher = new WriteBatcher(write, { maxBatch: 2, maxInFlight: 1, maxQueued: 3 });
    const first = batcher.submit(1);
    await settle();
    expect(batches).to.deep.equal([[1]]);
    const waiting = [2, 3, 4].map((i) => batcher.submit(i));
    const refused = await batcher.submit(5).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(QueueFullError);
    expect((refused as QueueFullError).queued).to.equal(3);
    releaseAll();
    await settle();
    expect(batches).to.deep.equal([[1], [2, 3]]);
    // Two started: there is room again.
    const later = batcher.submit(6);
    releaseAll();
    await settle();
    releaseAll();
    await settle();
    releaseAll();
    expect(await Promise.all([first, ...waiting, later])).to.deep.equal(['done 1', 'done 2', 'done 3', 'done 4', 'done 6']);
  });

  it('writes what one turn submits in one batch (the runs of one Kafka fetch), at most maxBatch', async function () {
    const { batches, write, releaseAll } = recordingWrite();
    const batcher = new WriteBatcher(write, { maxBatch: 3, maxInFlight: 1 });
    const results = [1, 2, 3, 4].map((i) => batcher.submit(i));
    await settle();
    expect(batches).to.deep.equal([[1, 2, 3]]);
    releaseAll();
    await settle();
    releaseAll();
    expect(await Promise.all(results)).to.deep.equal(['done 1', 'done 2', 'done 3', 'done 4']);
    expect(batches).to.deep.equal([[1, 2, 3], [4]]);
  });

  it('groups what arrives while a batch is in flight, in order, and answers each item with its own result', async function () {
    const { batches, write, releaseAll } = recordingWrite();
    const batcher = new WriteBatcher(write, { maxBatch: 3, maxInFlight: 1 });
    const results = [batcher.submit(1)];
    await settle();
    for (const i of [2, 3, 4, 5, 6]) {
      results.push(batcher.submit(i));
      await settle(); // each in a turn of its own
    }
    expect(batches).to.deep.equal([[1]]); // the rest wait for the write in flight
    releaseAll();
    await settle();
    expect(batches).to.deep.equal([[1], [2, 3, 4]]); // at most maxBatch together
    releaseAll();
    await settle();
    releaseAll();
    expect(await Promise.all(results)).to.deep.equal(['done 1', 'done 2', 'done 3', 'done 4', 'done 5', 'done 6']);
    expect(batches).to.deep.equal([[1], [2, 3, 4], [5, 6]]);
  });

  it('keeps at most maxInFlight writes going', async function () {
    const { batches, write, releaseAll } = recordingWrite();
    const batcher = new WriteBatcher(write, { maxBatch: 100, maxInFlight: 2 });
    const results: Promise<string>[] = [];
    for (const i of [1, 2, 3, 4]) {
      results.push(batcher.submit(i));
      await settle();
    }
    expect(batches).to.deep.equal([[1], [2]]);
    releaseAll();
    await settle();
    expect(batches).to.deep.equal([[1], [2], [3, 4]]);
    releaseAll();
    await Promise.all(results);
  });

  it('fails every item of a failed batch, and goes on with the next', async function () {
    let calls = 0;
    const batcher = new WriteBatcher(
      async (items: number[]) => {
        calls++;
        if (items.includes(2)) throw new Error('statement failed');
        return items.map((i) => i * 10);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const settled = await Promise.allSettled([1, 2, 3].map((i) => batcher.submit(i)));
    expect(settled.map((s) => s.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    expect(await batcher.submit(4)).to.equal(40);
    expect(calls).to.equal(2);
  });

  it('with an interval, writes the first item at once and what arrives within the interval together, once it has passed', async function () {
    const { batches, write, releaseAll } = recordingWrite();
    const batcher = new WriteBatcher(write, { maxBatch: 10, maxInFlight: 1, minIntervalMs: 150 });
    const started = performance.now();
    const first = batcher.submit(1);
    await settle();
    expect(batches, 'nothing went before: no wait').to.deep.equal([[1]]);
    releaseAll();
    await first;
    const rest = [2, 3, 4].map((i) => batcher.submit(i));
    await settle();
    expect(batches, 'the previous batch started less than the interval ago').to.deep.equal([[1]]);
    while (batches.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(performance.now() - started).to.be.at.least(149);
    expect(batches).to.deep.equal([[1], [2, 3, 4]]);
    releaseAll();
    expect(await Promise.all(rest)).to.deep.equal(['done 2', 'done 3', 'done 4']);
  });

  it('untilDue resolves at once before any batch, and once the interval after a batch started has passed', async function () {
    const { write, releaseAll } = recordingWrite();
    const batcher = new WriteBatcher(write, { maxBatch: 10, maxInFlight: 1, minIntervalMs: 150 });
    let due = performance.now();
    await batcher.untilDue();
    expect(performance.now() - due, 'ms waited with no batch before').to.be.below(50);
    const first = batcher.submit(1);
    await settle();
    const started = performance.now();
    releaseAll();
    await first;
    await batcher.untilDue();
    due = performance.now();
    expect(due - started, 'ms from the batch start until due').to.be.at.least(140);
    const second = batcher.submit(2);
    await settle();
    expect(performance.now() - due, 'ms the batch submitted when due waited').to.be.below(50);
    releaseAll();
    await second;
  });

  it('with an interval, a full batch does not wait for it', async function () {
    const { batches, write, releaseAll } = recordingWrite();
    const batcher = new WriteBatcher(write, { maxBatch: 2, maxInFlight: 1, minIntervalMs: 60_000 });
    const results = [batcher.submit(1)];
    await settle();
    results.push(batcher.submit(2), batcher.submit(3));
    releaseAll();
    await settle();
    expect(batches).to.deep.equal([[1], [2, 3]]);
    releaseAll();
    await Promise.all(results);
  });
});
