/**
 * Payments (spec section 12): payment_transaction. (billing_address is with the users.)
 */
import { type Kysely, sql } from 'kysely';

const newId = sql`gen_random_uuid()`;
const now = sql`now()`;

const touch = (table: string) =>
  sql`create trigger ${sql.id(`${table}_set_updated_at`)} before update on ${sql.table(table)} for each row execute function set_updated_at()`;

const index = (db: Kysely<any>, table: string, ...columns: string[]) =>
  db.schema.createIndex(`${table}_${columns.join('_')}_idx`).on(table).columns(columns).execute();

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('payment_transaction')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('enrollment_id', 'uuid', (c) => c.notNull())
    .addColumn('amount', 'integer', (c) => c.notNull()) // cents
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('usd'))
    .addColumn('stripe_payment_id', 'text')
    .addColumn('stripe_session_id', 'text')
    .addColumn('status', sql`"PaymentTransactionStatus"`, (c) => c.notNull().defaultTo('Pending'))
    .addColumn('payment_method', 'text')
    .addColumn('refunded', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('refund_amount', 'integer') // cents
    .addColumn('refund_reason', 'text')
    .addColumn('refunded_at', 'timestamptz')
    .addColumn('metadata', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('payment_transaction_pkey', ['id'])
    // Serves the spec's payment_transaction.stripePaymentId index too.
    .addUniqueConstraint('payment_transaction_stripe_payment_id_key', ['stripe_payment_id'])
    .addForeignKeyConstraint('payment_transaction_enrollment_id_fkey', ['enrollment_id'], 'enrollment', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('payment_transaction_amount_check', sql`amount >= 0`)
    .addCheckConstraint('payment_transaction_refund_amount_check', sql`refund_amount between 0 and amount`)
    .execute();
  await index(db, 'payment_transaction', 'enrollment_id');
  await index(db, 'payment_transaction', 'status');
  await index(db, 'payment_transaction', 'created_at');
  await touch('payment_transaction').execute(db);
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('payment_transaction').execute();
}
