import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** The store's database: orders, refund policies, credits, refund requests and the email outbox. */
export type OrdersDatabase = Database.Database;

const day = 86_400_000;

const schema = `
  CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    customer_name TEXT NOT NULL,
    customer_email TEXT NOT NULL,
    product TEXT NOT NULL,
    category TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    delivered_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS refund_policies (
    category TEXT PRIMARY KEY,
    refundable INTEGER NOT NULL,
    window_days INTEGER NOT NULL,
    terms TEXT NOT NULL
  );
  -- One credit per side effect: a repeated call with the same idempotency key finds its row.
  CREATE TABLE IF NOT EXISTS credits (
    confirmation_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    amount_cents INTEGER NOT NULL,
    reason TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS outbox (
    message_id TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS refund_requests (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders(id),
    status TEXT NOT NULL DEFAULT 'pending',
    claimed_by TEXT UNIQUE,
    created_at INTEGER NOT NULL
  );
`;

/**
 * Opens (and on first use creates and fills) the orders database of the refund examples: four
 * orders of three customers, the refund policy of each product category, and a queue of refund
 * requests. Delivery dates are relative to `now`, so the policy answers the same on any day.
 *
 * @example
 * ```ts
 * const database = openOrdersDatabase(join(mkdtempSync(join(tmpdir(), 'orders-')), 'orders.db'));
 * const tools = createRefundTools(database);
 * ```
 */
export function openOrdersDatabase(file: string, now: number = Date.now()): OrdersDatabase {
  mkdirSync(dirname(file), { recursive: true });
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.exec(schema);
  const { count } = database.prepare('SELECT count(*) AS count FROM orders').get() as { count: number };
  if (count === 0) fill(database, now);
  return database;
}

function fill(database: OrdersDatabase, now: number): void {
  const order = database.prepare(
    'INSERT INTO orders (id, customer_name, customer_email, product, category, amount_cents, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const policy = database.prepare(
    'INSERT INTO refund_policies (category, refundable, window_days, terms) VALUES (?, ?, ?, ?)',
  );
  const request = database.prepare('INSERT INTO refund_requests (id, order_id, created_at) VALUES (?, ?, ?)');
  database.transaction(() => {
    order.run(
      'ORD-1001',
      'Ana Souza',
      'ana@example.com',
      'Noise-cancelling headphones',
      'electronics',
      19_900,
      now - 12 * day,
    );
    order.run(
      'ORD-1002',
      'Ben Okafor',
      'ben@example.com',
      'Photo editor licence (download)',
      'digital',
      8_900,
      now - 3 * day,
    );
    order.run(
      'ORD-1003',
      'Chloé Martin',
      'chloe@example.com',
      'Trail running shoes',
      'apparel',
      12_000,
      now - 45 * day,
    );
    order.run('ORD-1004', 'Ana Souza', 'ana@example.com', 'Phone case', 'accessories', 2_500, now - 5 * day);
    policy.run('electronics', 1, 30, 'Full refund within 30 days of delivery.');
    policy.run('apparel', 1, 30, 'Full refund within 30 days of delivery, unworn.');
    policy.run('accessories', 1, 60, 'Full refund within 60 days of delivery.');
    policy.run('digital', 0, 0, 'Downloads are final sale once the licence key has been sent.');
    request.run('REQ-1', 'ORD-1004', now - 2 * day);
    request.run('REQ-2', 'ORD-1001', now - day);
  })();
}
