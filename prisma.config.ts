/**
 * Prisma CLI configuration (Prisma 7 reads it instead of a datasource url in the schema). Only `prisma generate`
 * is used here: the gateway applies the SQL migrations itself (gateway/src/db/migrate.ts), and `prisma migrate
 * deploy` works too where the schema engine can be downloaded.
 */
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'gateway/prisma/schema.prisma',
  migrations: { path: 'gateway/prisma/migrations' },
  // Only `migrate`/`db`/`studio` use it; `generate` does not need a database. No default: never touch a
  // database nobody named.
  ...(process.env['DATABASE_URL'] ? { datasource: { url: process.env['DATABASE_URL'] } } : {}),
});
