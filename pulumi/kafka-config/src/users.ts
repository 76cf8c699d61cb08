import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_USERS } from '@orders/contracts';

/**
 * The development machine's Kafka users: one file per user in `dir` (start.sh's
 * KAFKA_USERS_DIR), holding a random password; missing ones are made, existing ones kept
 * (KRaft sets them only when it formats). Readable by the owner only.
 */
export function ensureUserFiles(dir: string): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const made: string[] = [];
  for (const user of KAFKA_USERS) {
    const file = path.join(dir, user);
    if (existsSync(file)) continue;
    writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600 });
    made.push(user);
  }
  return made;
}
