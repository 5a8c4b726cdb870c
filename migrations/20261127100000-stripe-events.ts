/**
 * stripe_event: the ids of the Stripe webhook events already processed. Not in the spec: like
 * rate_limit it is infrastructure. Stripe delivers an event at least once (retries, replays, two
 * deliveries racing each other), so each event is applied in one transaction that first inserts its
 * id here; the primary key makes a second delivery of the same id a no-op, and a concurrent one
 * waits on the key until the first commits. `type` and `processed_at` are kept for debugging.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stripe_event')
    .addColumn('id', 'text', (c) => c.primaryKey()) // Stripe's event id (evt_...)
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stripe_event').execute();
}
