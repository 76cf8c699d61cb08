import { deadLetterMigration } from './kafka/dead-letter-store.js';
import { inboxAgeMigration, inboxMigration } from './kafka/inbox-table.js';
import { outboxMigration, outboxTraceMigration } from './outbox/outbox-table.js';
import type { Migration } from '@orders/db';

/** The tables every saga service has, put first in its migration list: the outbox, the inbox, the dead letters. */
export const sharedMigrations: readonly Migration[] = [outboxMigration, inboxMigration, inboxAgeMigration, outboxTraceMigration, deadLetterMigration];
