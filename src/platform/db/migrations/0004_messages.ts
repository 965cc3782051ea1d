import { type Kysely, sql } from 'kysely';

/**
 * Messages and their SMPP parts, receipts that arrived before their part was known, idempotency keys of API
 * requests, and carrier routes (CONTRACT.md §3, §4; features/messages, features/carrier).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and must not follow the current types.
export async function up(db: Kysely<any>): Promise<void> {
  // No foreign key to sites, departments or contacts: a message is history and outlives them. The organisation's
  // deletion removes its messages.
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('site_id', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('inbound', 'outbound')`))
    .addColumn('from_number', 'text', (c) => c.notNull())
    .addColumn('to_number', 'text', (c) => c.notNull())
    .addColumn('contact_number', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('media', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('media_fallback', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'received')`),
    )
    .addColumn('segments', 'integer', (c) => c.notNull())
    .addColumn('encoding', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('agent_user_id', 'text')
    .addColumn('agent_email', 'text')
    .addColumn('contact_id', 'text')
    .addColumn('route_id', 'text')
    .addColumn('submit_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('messages_org_created_idx')
    .on('messages')
    .columns(['org_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('messages_org_department_idx')
    .on('messages')
    .columns(['org_id', 'department_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('messages_org_contact_idx')
    .on('messages')
    .columns(['org_id', 'contact_number', 'created_at'])
    .execute();

  // One row per SMPP part of an outbound message, written when the SMSC acknowledged the submit. Receipts name the
  // SMSC's id, unique only per SMSC, hence the route.
  await db.schema
    .createTable('message_parts')
    .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('smsc_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('sent', 'delivered', 'undelivered', 'failed')`),
    )
    .addColumn('error_code', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_parts_pk', ['message_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('message_parts_smsc_idx')
    .on('message_parts')
    .columns(['smsc_message_id', 'route_id'])
    .execute();

  // Receipts whose part is not (yet) known: a receipt may overtake its submit_sm_resp. Re-applied when the part row
  // appears; swept after a while.
  await db.schema
    .createTable('unmatched_receipts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('smsc_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('delivered', 'undelivered', 'failed')`))
    .addColumn('error_code', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('unmatched_receipts_smsc_idx')
    .on('unmatched_receipts')
    .columns(['smsc_message_id', 'route_id'])
    .execute();
  await db.schema
    .createIndex('unmatched_receipts_received_idx')
    .on('unmatched_receipts')
    .column('received_at')
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['org_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();

  // Operator-defined SMPP routes; the URL (it holds the bind password) is stored encrypted.
  await db.schema
    .createTable('carrier_routes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('number', 'department', 'default')`))
    .addColumn('match', 'text', (c) => c.notNull())
    .addColumn('url_encrypted', 'text', (c) => c.notNull())
    .addColumn('url_redacted', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('carrier_routes_kind_match_unique', ['kind', 'match'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['carrier_routes', 'idempotency_keys', 'unmatched_receipts', 'message_parts', 'messages']) {
    await db.schema.dropTable(table).execute();
  }
}
