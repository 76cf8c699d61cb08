/**
 * KafkaJS 2.2.4 schedules timers with a negative delay on Node 24 (upstream issue
 * tulios/kafkajs#1751); Node clamps them to 1 ms, which is what KafkaJS meant. The request
 * queue's, the usual source, is replaced in kafka/request-queue-timer.ts; the warning was
 * still seen once in some twenty runs after that, from a path not found. Only that warning
 * is dropped; every other process warning is still printed.
 */
export function silenceKnownKafkaJsWarning(): void {
  const printed = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    if (printed.length === 0) console.warn(warning);
    for (const listener of printed) listener(warning);
  });
}
