// `create`: makes a new empty database on the local PostgreSQL server and prints its URL
// (exit 1 when no server answers). `drop URL`: removes it.
import pg from 'pg';

const server = process.env.CI_PG_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(run) {
  const client = new pg.Client({ connectionString: server, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const [command, target] = process.argv.slice(2);
try {
  if (command === 'create') {
    const name = `edupeak_ci_${Date.now()}_${process.pid}`;
    await admin((c) => c.query(`create database ${c.escapeIdentifier(name)}`));
    const url = new URL(server);
    url.pathname = `/${name}`;
    console.log(url.toString());
  } else if (command === 'drop' && target) {
    const name = decodeURIComponent(new URL(target).pathname.slice(1));
    await admin((c) => c.query(`drop database if exists ${c.escapeIdentifier(name)} with (force)`));
  } else {
    console.error('usage: node .ci/fresh-database.mjs create | drop URL');
    process.exit(2);
  }
} catch (error) {
  console.error(`local PostgreSQL: ${error.message}`);
  process.exit(1);
}
