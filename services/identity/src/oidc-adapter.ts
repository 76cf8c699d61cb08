import type { Knex } from 'knex';
import type { PruneTarget } from '@orders/db';

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string; consumed?: number };

/**
 * oidc-provider's storage interface over PostgreSQL (table oidc_payloads): what it keeps
 * between requests outlives a restart and is shared by replicas. Expired rows are ignored
 * when read and deleted by `pruneExpired`.
 */
export function postgresAdapter(db: Knex) {
  return class PostgresAdapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      await db('oidc_payloads')
        .insert({
          model: this.model,
          id,
          payload: JSON.stringify(payload),
          grant_id: payload.grantId ?? null,
          uid: payload.uid ?? null,
          user_code: payload.userCode ?? null,
          expires_at: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
        })
        .onConflict(['model', 'id'])
        .merge(['payload', 'grant_id', 'uid', 'user_code', 'expires_at']);
    }

    find(id: string) {
      return this.findBy({ id });
    }

    findByUid(uid: string) {
      return this.findBy({ uid });
    }

    findByUserCode(userCode: string) {
      return this.findBy({ user_code: userCode });
    }

    async consume(id: string): Promise<void> {
      await db('oidc_payloads').where({ model: this.model, id }).update({ consumed_at: db.fn.now() });
    }

    async destroy(id: string): Promise<void> {
      await db('oidc_payloads').where({ model: this.model, id }).delete();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db('oidc_payloads').where({ grant_id: grantId }).delete();
    }

    async findBy(where: Record<string, string>): Promise<Payload | undefined> {
      const row = (await db('oidc_payloads')
        .where({ model: this.model, ...where })
        .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
        .first('payload', 'consumed_at')) as { payload: Payload; consumed_at: Date | null } | undefined;
      if (!row) return undefined;
      return row.consumed_at ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : row.payload;
    }
  };
}

/** What has expired is deleted by the pruner. */
export const oidcPayloadPruning: PruneTarget = { table: 'oidc_payloads', timeColumn: 'expires_at', retentionMs: 0, where: 'expires_at is not null' };
