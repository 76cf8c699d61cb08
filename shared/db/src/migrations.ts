import type { Knex } from 'knex';

/** One schema step. Migrations are code (not files found at run time) so the image needs no loader. */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

class ListMigrationSource implements Knex.MigrationSource<Migration> {
  constructor(private readonly migrations: readonly Migration[]) {}
  async getMigrations(): Promise<Migration[]> {
    return [...this.migrations];
  }
  getMigrationName(migration: Migration): string {
    return migration.name;
  }
  async getMigration(migration: Migration): Promise<Knex.Migration> {
    return { up: migration.up, down: migration.down };
  }
}

function assertUniqueNames(migrations: readonly Migration[]): void {
  const names = migrations.map((m) => m.name);
  if (new Set(names).size !== names.length) throw new Error(`duplicate migration names: ${names.join(', ')}`);
}

export async function migrateLatest(db: Knex, migrations: readonly Migration[]): Promise<string[]> {
  assertUniqueNames(migrations);
  const [, applied] = (await db.migrate.latest({
    migrationSource: new ListMigrationSource(migrations),
  })) as [number, string[]];
  return applied;
}

export async function migrateRollbackAll(db: Knex, migrations: readonly Migration[]): Promise<string[]> {
  const [, reverted] = (await db.migrate.rollback(
    { migrationSource: new ListMigrationSource(migrations) },
    true,
  )) as [number, string[]];
  return reverted;
}
