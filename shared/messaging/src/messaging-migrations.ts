import { inboxAgeMigration, inboxMigration } from './kafka/inbox-table.js';
import { outboxMigration, outboxTraceMigration } from './outbox/outbox-table.js';
import type { Migration } from '@orders/db';

/** The tables every service has, put first in its migration list: the outbox and the inbox. */
export const sharedMigrations: readonly Migration[] = [outboxMigration, inboxMigration, inboxAgeMigration, outboxTraceMigration];
