import type { OutboxMessage } from './outbox-rows.js';

/** The relay of the process, as the handoff sees it. */
export interface HandoffTarget {
  /** True while it leads and has read every row committed before (nothing older is unsent). */
  acceptsHandoff(): boolean;
  /** Rows were committed that it must read from the outbox before it sends anything handed over. */
  mustReadOutbox(): void;
  /** Handed-over rows are ready to send. */
  wake(): void;
}

/** One transaction that writes outbox rows, from before its COMMIT is sent until its outcome. */
export interface OutboxCommit {
  /** Write the rows without NOTIFY: they are handed to the relay after COMMIT. */
  readonly direct: boolean;
  /** COMMIT succeeded; `rows` are the rows it wrote (none when a condition left them out). */
  committed(rows: readonly OutboxMessage[]): void;
  /** COMMIT failed or its outcome is unknown: the relay reads the outbox before it sends anything newer. */
  failed(): void;
}

interface Entry {
  state: 'pending' | 'committed' | 'failed';
  rows: readonly OutboxMessage[];
  /** Event ids reads of the outbox sent while the entry was pending: its rows may be among them. */
  readWhilePending?: ReadonlySet<string>[];
}

/**
 * The way from a service's own commits to its own relay, so a hop of the saga needs no
 * NOTIFY and no read of the outbox. A transaction that writes outbox rows calls `begin()`
 * before it sends COMMIT. While the relay leads, has read the outbox to its end, and no
 * commit begun here that raised NOTIFY is unread, the transaction writes its rows without
 * NOTIFY and hands them over after COMMIT; otherwise it raises NOTIFY as before and the
 * relay reads the rows (in id order); a read sends what was handed over and not yet sent in
 * id order with them. Only the Outbox uses it (outbox.ts).
 *
 * The relay sends handed rows in the order the transactions sent their COMMIT, and never
 * past one still in flight. Two transactions of the same order are serialised by its locks,
 * so the second sends COMMIT after the first has committed: events of one order go to
 * Kafka in the order they were committed, as they do through the outbox read. The rows are
 * in the outbox either way; what is sent is deleted afterwards, so a lost handoff delays
 * rows (until the next read) and never loses them.
 */
export class OutboxHandoff {
  private target: HandoffTarget | null = null;
  private queue: Entry[] = [];
  /** Commits that raise NOTIFY and have not ended: a later one must not overtake them. */
  private notifying = 0;

  attach(target: HandoffTarget | null): void {
    this.target = target;
    this.queue = [];
  }

  begin(): OutboxCommit {
    const target = this.target;
    if (!target || this.notifying > 0 || !target.acceptsHandoff()) {
      this.notifying++;
      const ended = () => {
        this.notifying--;
        this.target?.mustReadOutbox();
      };
      return { direct: false, committed: ended, failed: ended };
    }
    const entry: Entry = { state: 'pending', rows: [] };
    this.queue.push(entry);
    const settle = (state: Entry['state'], rows: readonly OutboxMessage[]) => {
      if (entry.state !== 'pending') return;
      entry.state = state;
      entry.rows = rows.filter((r) => !entry.readWhilePending?.some((ids) => ids.has(r.eventId)));
      // After a reset (the relay stopped leading) the entry is no longer queued: its rows wait in the outbox.
      if (this.target === target && this.queue.includes(entry)) target.wake();
    };
    return { direct: true, committed: (rows) => settle('committed', rows), failed: () => settle('failed', []) };
  }

  /**
   * The rows the relay may send now: those of the committed transactions at the head of
   * the queue. A failed one at the head is dropped and makes the relay read the outbox
   * first (its rows may have committed); nothing behind a pending one is given.
   */
  take(): OutboxMessage[] {
    const rows: OutboxMessage[] = [];
    while (this.queue.length > 0 && this.queue[0]!.state === 'committed') rows.push(...this.queue.shift()!.rows);
    if (rows.length === 0 && this.queue[0]?.state === 'failed') {
      this.queue.shift();
      this.target?.mustReadOutbox();
    }
    return rows;
  }

  /** Rows the relay read from the outbox are not sent again from the queue, also those of a commit still pending. */
  forget(eventIds: ReadonlySet<string>): void {
    for (const entry of this.queue) {
      if (entry.state === 'pending') (entry.readWhilePending ??= []).push(eventIds);
      else if (entry.rows.some((r) => eventIds.has(r.eventId))) entry.rows = entry.rows.filter((r) => !eventIds.has(r.eventId));
    }
  }

  /** The relay stopped leading or failed to send: what was handed over is read from the outbox by the next leader. */
  reset(): void {
    this.queue = [];
  }
}
