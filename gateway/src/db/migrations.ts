/**
 * Reads the SQL migrations kept in Prisma's layout (gateway/prisma/migrations/<timestamp>_<name>/migration.sql).
 * Pure apart from the directory read.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Migration {
  /** Folder name, e.g. '20261123233000_init'; migrations apply in this (lexical = chronological) order. */
  name: string;
  sql: string;
  /** sha256 hex of the file, as Prisma records it in `_prisma_migrations.checksum`. */
  checksum: string;
}

const MIGRATION_NAME = /^\d{14}_[A-Za-z0-9_]+$/;

/**
 * Where the migrations are: /app/prisma/migrations in the image, where this code runs from a chunk in
 * /app/chunks/ (or from /app/gateway.mjs itself when bundled without splitting), or gateway/prisma/migrations
 * when running from the sources (this file is gateway/src/db/). The image's own folder is tried first, so a
 * /prisma/migrations a base image might hold is never taken instead.
 */
export function defaultMigrationsDir(): string {
  const candidates = [
    new URL('../prisma/migrations', import.meta.url),
    new URL('./prisma/migrations', import.meta.url),
    new URL('../../prisma/migrations', import.meta.url),
  ];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(path)) return path;
  }
  return fileURLToPath(candidates[0]!);
}

export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** Reads every migration folder in order. A folder without migration.sql, or a badly named one, is an error. */
export async function readMigrations(dir: string = defaultMigrationsDir()): Promise<Migration[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new Error(`cannot read migrations directory ${dir}: ${(error as Error).message}`);
  }
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    if (!MIGRATION_NAME.test(name)) {
      throw new Error(`${join(dir, name)}: migration folders are named <14-digit timestamp>_<name>`);
    }
    const file = join(dir, name, 'migration.sql');
    let sql: string;
    try {
      sql = await readFile(file, 'utf8');
    } catch {
      throw new Error(`${file}: missing (each migration folder holds one migration.sql)`);
    }
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}
