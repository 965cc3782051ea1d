import { type Kysely, sql } from 'kysely';

/**
 * Contacts, custom consents with their keywords, the consent ledger with its current-state table, and the
 * events outbox (CONTRACT.md §5, §6; features/contacts, features/consents, platform/events).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current types.
export async function up(db: Kysely<any>): Promise<void> {
  // Deleting a contact deletes its row (there is no soft delete): its consent state lives in consent_states
  // and consent_ledger keyed by number, so it survives the contact.
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('mobile_number', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('company', 'text')
    .addColumn('notes', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('site_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('custom_fields', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('contacts_org_number_unique', ['org_id', 'mobile_number'])
    .execute();
  await db.schema
    .createIndex('contacts_org_created_idx')
    .on('contacts')
    .columns(['org_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('custom_consents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('consent_level', 'text', (c) =>
      c.notNull().check(sql`consent_level in ('CONVERSATIONAL', 'INFORMATIONAL', 'PROMOTIONAL')`),
    )
    .addColumn('consent_types', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('opt_in_keywords', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('opt_out_keywords', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('opt_in_message', 'text')
    .addColumn('opt_out_message', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('custom_consents_org_name_unique', ['org_id', 'name'])
    .execute();
  await db.schema
    .createIndex('custom_consents_org_created_idx')
    .on('custom_consents')
    .columns(['org_id', 'created_at', 'id'])
    .execute();

  // One row per keyword in its matching form: the primary key makes a keyword unique in its organisation
  // across all consents, even under concurrent writes.
  await db.schema
    .createTable('consent_keywords')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('keyword', 'text', (c) => c.notNull())
    .addColumn('consent_id', 'text', (c) => c.notNull().references('custom_consents.id').onDelete('cascade'))
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('in', 'out')`))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consent_keywords_pk', ['org_id', 'keyword'])
    .execute();
  await db.schema.createIndex('consent_keywords_consent_idx').on('consent_keywords').column('consent_id').execute();

  // Append-only: rows are inserted, never updated or deleted. No foreign key to contacts or departments, so a
  // deleted contact leaves its history (and the number) in place.
  await db.schema
    .createTable('consent_ledger')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('contact_id', 'text')
    .addColumn('mobile_number', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('OPTED_IN', 'OPTED_OUT')`))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('keyword', 'api', 'app', 'import')`))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('consent_ledger_number_idx')
    .on('consent_ledger')
    .columns(['org_id', 'mobile_number', 'created_at', 'id'])
    .execute();

  // The latest ledger entry per (number, scope), written in the same transaction as that entry.
  await db.schema
    .createTable('consent_states')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('mobile_number', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('OPTED_IN', 'OPTED_OUT')`))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('ledger_id', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consent_states_pk', ['org_id', 'mobile_number', 'scope'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('dispatched_at', 'bigint')
    .execute();
  // The dispatcher reads undispatched events in id order; the partial index holds only those.
  await db.schema
    .createIndex('events_pending_idx')
    .on('events')
    .column('id')
    .where(sql.ref('dispatched_at'), 'is', null)
    .execute();
  await db.schema.createIndex('events_subject_idx').on('events').columns(['org_id', 'subject_id', 'id']).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'events',
    'consent_states',
    'consent_ledger',
    'consent_keywords',
    'custom_consents',
    'contacts',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
