/**
 * How a fetched batch of one partition is applied, decided without any I/O.
 *
 * Messages go in runs: up to `maxRun` consecutive messages in one transaction. When a run
 * fails because of one of its events, the events before it are applied again as a shorter
 * run and that event is then handled alone (its failure counts as its first attempt);
 * when a run fails for another reason (the transaction itself), its messages are handled
 * alone, one by one. Handling alone means retries, then the dead-letter topic.
 */

/** The next thing to do with the batch. */
export type Step =
  | { kind: 'run'; from: number; to: number }
  | { kind: 'alone'; index: number; priorFailure?: unknown }
  | { kind: 'done' };

/** What applying a run gave. */
export type RunOutcome =
  /** The first `applied` messages (at least one) are committed. */
  | { applied: number }
  /** Nothing committed; the message at `failedAt` (counted from the run's start) is at fault. */
  | { failedAt: number; error: unknown }
  /** Nothing committed, and no single message is to blame. */
  | { failed: true };

export class BatchPlan {
  private next = 0;
  private fault: { index: number; error: unknown } | null = null;
  /** Messages before this index are handled alone (their run failed as a whole). */
  private aloneUntil = 0;

  constructor(
    readonly length: number,
    readonly maxRun: number,
  ) {
    if (!Number.isInteger(maxRun) || maxRun < 1) throw new Error(`maxRun must be a positive integer, not ${maxRun}`);
  }

  /** How many messages are done (applied or handled alone), from the start. */
  get done(): number {
    return this.next;
  }

  step(): Step {
    if (this.next >= this.length) return { kind: 'done' };
    if (this.fault?.index !== this.next && this.next >= this.aloneUntil) {
      const to = this.fault ? this.fault.index : Math.min(this.next + this.maxRun, this.length);
      return { kind: 'run', from: this.next, to };
    }
    return this.fault?.index === this.next
      ? { kind: 'alone', index: this.next, priorFailure: this.fault.error }
      : { kind: 'alone', index: this.next };
  }

  /** Records what the run of `step()` gave. */
  ran(step: Extract<Step, { kind: 'run' }>, outcome: RunOutcome): void {
    if ('applied' in outcome) {
      if (outcome.applied < 1 || outcome.applied > step.to - step.from) throw new Error(`a run of ${step.to - step.from} cannot apply ${outcome.applied}`);
      this.next = step.from + outcome.applied;
    } else if ('failedAt' in outcome) {
      this.fault = { index: step.from + outcome.failedAt, error: outcome.error };
    } else {
      this.aloneUntil = step.to;
    }
  }

  /** Records that the message of an `alone` step is done (applied, ignored or dead-lettered). */
  handledAlone(index: number): void {
    if (this.fault?.index === index) this.fault = null;
    this.next = index + 1;
  }
}

/**
 * Runs of several partitions applied in one transaction failed at `index` of the whole:
 * which run holds that event, and where in it.
 */
export function locateInRuns(runLengths: readonly number[], index: number): { run: number; index: number } {
  let start = 0;
  for (const [run, length] of runLengths.entries()) {
    if (index < start + length) return { run, index: index - start };
    start += length;
  }
  throw new Error(`index ${index} is past the ${start} events of the runs`);
}
