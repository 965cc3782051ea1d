import { sql } from 'kysely';
import type { Database } from './database.js';

/**
 * A stable text dump of the schema the migrations built, one per dialect, compared in CI against the
 * snapshots in /schema, so a migration that behaves differently on SQLite and PostgreSQL (or a schema
 * changed outside the migrations) shows up in review. `npm run schema:snapshot` rewrites the snapshots.
 */
export async function dumpSchema(database: Database): Promise<string> {
  return database.dialect === 'sqlite' ? dumpSqlite(database) : dumpPostgres(database);
}

async function dumpSqlite(database: Database): Promise<string> {
  const { rows } = await sql<{ sql: string }>`
    select sql from sqlite_master
    where sql is not null and name not like 'sqlite_%'
    order by case type when 'table' then 0 else 1 end, name`.execute(database.db);
  return `${rows.map((r) => `${r.sql.replace(/\s+/g, ' ').trim()};`).join('\n')}\n`;
}

async function dumpPostgres(database: Database): Promise<string> {
  const columns = await sql<{ line: string }>`
    select table_name || '.' || column_name || ' ' || data_type
      || case when is_nullable = 'NO' then ' not null' else '' end
      || coalesce(' default ' || column_default, '') as line
    from information_schema.columns where table_schema = 'public'
    order by table_name, ordinal_position`.execute(database.db);
  const constraints = await sql<{ line: string }>`
    select rel.relname || ' constraint ' || con.conname || ' ' || pg_get_constraintdef(con.oid) as line
    from pg_constraint con join pg_class rel on rel.oid = con.conrelid
    join pg_namespace ns on ns.oid = rel.relnamespace
    where ns.nspname = 'public' order by rel.relname, con.conname`.execute(database.db);
  const indexes = await sql<{ line: string }>`
    select indexdef as line from pg_indexes where schemaname = 'public' order by tablename, indexname`.execute(
    database.db,
  );
  return `${[...columns.rows, ...constraints.rows, ...indexes.rows].map((r) => r.line).join('\n')}\n`;
}
