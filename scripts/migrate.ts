/**
 * `npm run db:migrate`: applies pending SQL migrations from migrations/ to DATABASE_URL.
 *
 * Uses drizzle's migrator over node-postgres (plain TCP, which Neon also accepts with
 * `sslmode=require`). Applied migrations are recorded in drizzle.__drizzle_migrations, so a re-run
 * is a no-op.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations");

/** Applies every pending migration; resolves to the number of migrations recorded afterwards. */
export async function migrateDatabase(databaseUrl: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await migrate(drizzle(pool), { migrationsFolder });
    const result = await pool.query<{ n: string }>("SELECT count(*)::text AS n FROM drizzle.__drizzle_migrations");
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await pool.end();
  }
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("db:migrate: DATABASE_URL is not set. Point it at Neon (production) or the local stack's Postgres.");
    process.exit(2);
  }
  migrateDatabase(url).then(
    (count) => console.log(`db:migrate: ${count} migration(s) applied in total; database is up to date.`),
    (error: unknown) => {
      console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
