/**
 * KafkaJS 2.2.4, its last release, keeps a 1 ms timer going on every broker connection
 * from its first response on (upstream issues tulios/kafkajs#1556 and #1704; the negative
 * delay behind it is what Node 24 warns about, #1751). `RequestQueue.scheduleCheckPendingRequests`
 * arms a check even when no request waits and no throttle is in force, with a negative
 * delay that Node runs after 1 ms; the check arms the next. Every connection of every
 * client then wakes its process about a thousand times a second for nothing.
 *
 * Here a check is armed only when a request waits: at the end of the broker's throttle,
 * or after KafkaJS's own 10 ms when the in-flight limit holds it (a response also checks).
 * With nothing waiting there is nothing to check; `push` arms a check for what it queues.
 */

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** KafkaJS's CHECK_PENDING_REQUESTS_INTERVAL. */
const CHECK_PENDING_MS = 10;

const RequestQueue: { prototype: RequestQueueInternals } = require('kafkajs/src/network/requestQueue/index.js');

/** The kafkajs version this replacement was read against (a test checks the installed one). */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_MS,
  );
}

RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
