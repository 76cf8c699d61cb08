import { SERVICE_CONTRACTS } from '@orders/contracts';
import { env, setting, type SettingsTree } from '@orders/platform';
import { loadServiceConfig } from '@orders/runtime';

export const SERVICE_NAME = SERVICE_CONTRACTS.order.serviceName;

/** The order service's own settings (the saga's clock). */
export const orderSettings = {
  sagaTimeoutMs: setting('SAGA_TIMEOUT_MS', env.int(1000, 3_600_000), '30000', 'an order still PENDING or RESERVED this long is cancelled with reason TIMEOUT'),
  sweepIntervalMs: setting('SAGA_SWEEP_INTERVAL_MS', env.int(50, 60_000), '1000', 'how often the timeout sweep runs'),
  idempotencyKeyRetentionMs: setting(
    'IDEMPOTENCY_KEY_RETENTION_MS',
    env.int(60_000, 31_622_400_000),
    '86400000',
    'an Idempotency-Key is remembered this long (24 h); a retry after that places a new order',
  ),
  placementQueueMax: setting(
    'ORDER_PLACEMENT_QUEUE_MAX',
    env.int(1, 1_000_000),
    '5000',
    'most orders waiting for their group commit; past it POST /orders answers 503 SERVICE_BUSY with Retry-After, so a flood costs refusals, not memory',
  ),
  compensationRetryMs: setting(
    'COMPENSATION_RETRY_MS',
    env.int(1000, 3_600_000),
    '60000',
    'a cancellation not confirmed this long after it was asked gets its OrderCancelled published again; each time after that the wait doubles',
  ),
  compensationMaxRequests: setting(
    'COMPENSATION_MAX_REQUESTS',
    env.int(0, 100),
    '5',
    'a cancellation is asked for again at most this many times; still unconfirmed after the last wait, it becomes CANCEL_STALLED (GET /orders?status=CANCEL_STALLED, saga_compensations_stalled_total) and waits for an operator',
  ),
} satisfies SettingsTree;

export type OrderConfig = ReturnType<typeof loadOrderConfig>;

export const loadOrderConfig = (source: NodeJS.ProcessEnv = process.env) => loadServiceConfig(SERVICE_CONTRACTS.order, orderSettings, source);
