import express from 'express';
import pg from 'pg';

/**
 * The physical limit of this stack on this machine: Express 5 and a pg pool of the app's size
 * (src/db/database.ts: 10), one `select 1` per request, a tiny text answer. No middleware, no
 * template, no session, no log. bench/run.ts starts it beside the app and loads both the same way.
 */

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_MAX ?? 10) });
pool.on('error', () => {});
const app = express();
app.disable('x-powered-by');
app.get('/', async (_req, res) => {
  const { rows } = await pool.query('select 1 as one');
  res.type('text').send(String(rows[0].one));
});
const server = app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1', () => console.log('bare ready'));
const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
