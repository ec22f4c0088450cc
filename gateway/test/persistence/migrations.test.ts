import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.ts';
import { applyMigrations } from '../../src/db/migrate.ts';
import { defaultMigrationsDir, readMigrations } from '../../src/db/migrations.ts';
import { openPgSession } from '../../src/db/sql-session.ts';
import { type PslModel, parsePrismaSchema } from './helpers/prisma-schema.ts';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.ts';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const schemaFile = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

const databases: TestDatabase[] = [];
async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  databases.push(db);
  return db;
}
afterAll(async () => {
  for (const db of databases) await db.drop();
});

async function appliedRows(url: string) {
  const session = await openPgSession(url);
  try {
    return await session.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
  } finally {
    await session.close();
  }
}

describe('migrations under concurrent starts', () => {
  it('applies each migration exactly once when processes and clients race', async () => {
    const target = await freshDatabase();
    const migrations = await readMigrations();
    const child = () =>
      run(
        process.execPath,
        ['--import', 'tsx', 'gateway/test/persistence/helpers/migrate-once.ts', target.url],
        {
          cwd: repoRoot,
        },
      ).then((r) => JSON.parse(r.stdout) as { applied: string[]; skipped: string[] });
    const client = async () => {
      const db = await createDatabase({ url: target.url });
      try {
        return await db.migrate();
      } finally {
        await db.close();
      }
    };
    const results = await Promise.all([child(), child(), child(), client(), client(), client(), client()]);
    const names = migrations.map((m) => m.name);
    const appliers = results.filter((r) => r.applied.length > 0);
    expect(appliers).toHaveLength(1);
    expect(appliers[0]!.applied).toEqual(names);
    for (const r of results.filter((x) => x.applied.length === 0)) expect(r.skipped).toEqual(names);
    const rows = await appliedRows(target.url);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    expect(rows.map((r) => r.checksum)).toEqual(migrations.map((m) => m.checksum));
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  }, 180_000); // three child processes start tsx: slow on a loaded machine
});

describe('migration errors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'raku-migrations-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start when an applied migration was edited', async () => {
    const target = await freshDatabase();
    const copy = join(dir, 'edited');
    await cp(defaultMigrationsDir(), copy, { recursive: true });
    const session = await openPgSession(target.url);
    try {
      await applyMigrations(session, await readMigrations(copy));
      const [first] = await readMigrations(copy);
      await writeFile(join(copy, first!.name, 'migration.sql'), `${first!.sql}\n-- edited\n`);
      await expect(applyMigrations(session, await readMigrations(copy))).rejects.toThrow(
        `migration ${first!.name} was modified after it was applied (checksum differs)`,
      );
    } finally {
      await session.close();
    }
  });

  it('rolls a failing migration back completely and applies it once fixed', async () => {
    const target = await freshDatabase();
    const copy = join(dir, 'failing');
    await cp(defaultMigrationsDir(), copy, { recursive: true });
    const bad = join(copy, '29991231000000_broken', 'migration.sql');
    await cp(join(copy, (await readMigrations(copy))[0]!.name), join(copy, '29991231000000_broken'), {
      recursive: true,
    });
    await writeFile(bad, 'CREATE TABLE "half_done" ("id" INT);\nSELECT no_such_function();\n');
    const session = await openPgSession(target.url);
    try {
      await expect(applyMigrations(session, await readMigrations(copy))).rejects.toThrow(
        /migration 29991231000000_broken failed: .*no_such_function/,
      );
      const tables = await session.query("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'");
      expect(tables).toHaveLength(0);
      expect((await appliedRows(target.url)).map((r) => r.migration_name)).not.toContain(
        '29991231000000_broken',
      );
      await writeFile(bad, 'CREATE TABLE "half_done" ("id" INT);\n');
      const result = await applyMigrations(session, await readMigrations(copy));
      expect(result.applied).toEqual(['29991231000000_broken']);
    } finally {
      await session.close();
    }
  });

  it('names the folder when a migration folder has no migration.sql or a bad name', async () => {
    const copy = join(dir, 'bad-layout');
    await cp(defaultMigrationsDir(), copy, { recursive: true });
    await cp(join(copy, (await readMigrations(copy))[0]!.name), join(copy, 'not-a-migration'), {
      recursive: true,
    });
    await expect(readMigrations(copy)).rejects.toThrow(/not-a-migration: migration folders are named/);
    await rm(join(copy, 'not-a-migration'), { recursive: true });
    await rm(join(copy, (await readdirNames(copy))[0]!, 'migration.sql'));
    await expect(readMigrations(copy)).rejects.toThrow(/migration\.sql: missing/);
  });

  it('keeps PGlite migrations across restarts of the same data directory', async () => {
    const dataDir = join(dir, 'pglite');
    const first = await createDatabase({ dataDir });
    expect((await first.migrate()).applied).toHaveLength((await readMigrations()).length);
    await first.prisma.deployment.create({
      data: {
        id: crypto.randomUUID(),
        zone: 'dev',
        workload: 'w',
        pack: 'p',
        version: '1',
        health: 'healthy',
      },
    });
    await first.close();
    const second = await createDatabase({ dataDir });
    expect((await second.migrate()).applied).toEqual([]);
    expect(await second.prisma.deployment.count()).toBe(1);
    await second.close();
  }, 180_000);
});

async function readdirNames(path: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(path)).filter((n) => /^\d{14}_/.test(n)).sort();
}

describe('schema.prisma and the SQL migrations agree', () => {
  let models: PslModel[];
  let columns: {
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    is_nullable: string;
    column_default: string | null;
    datetime_precision: number | null;
  }[];
  let indexes: { tablename: string; indexname: string; indexdef: string }[];
  let targetUrl: string;

  beforeAll(async () => {
    models = parsePrismaSchema(await readFile(schemaFile, 'utf8'));
    const target = await freshDatabase();
    targetUrl = target.url;
    const db = await createDatabase({ url: target.url });
    await db.migrate();
    await db.close();
    const session = await openPgSession(target.url);
    try {
      columns = await session.query(
        `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, datetime_precision
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
      );
      indexes = await session.query(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'",
      );
    } finally {
      await session.close();
    }
  });

  it('reads the same models, columns and types as the generated Prisma Client', async () => {
    // The client's runtime data model is what Prisma itself parsed from schema.prisma at generate time.
    const db = await createDatabase({ url: targetUrl });
    const runtime = (db.prisma as unknown as { _runtimeDataModel: RuntimeDataModel })._runtimeDataModel;
    await db.close();
    const fromClient = Object.entries(runtime.models).map(([name, m]) => ({
      name,
      table: m.dbName ?? name,
      columns: m.fields.map((f) => `${f.dbName ?? f.name}:${f.type}`),
    }));
    expect(
      models.map((m) => ({
        name: m.name,
        table: m.table,
        columns: m.fields.map((f) => `${f.column}:${f.type}`),
      })),
    ).toEqual(fromClient);
  });

  it('creates exactly the tables and columns the schema declares, with matching types and nullability', () => {
    const expected = models.flatMap((m) =>
      m.fields.map((f) => ({ table: m.table, column: f.column, ...sqlType(f) })),
    );
    const actual = columns.map((c) => ({
      table: c.table_name,
      column: c.column_name,
      type: c.data_type === 'ARRAY' ? `${c.udt_name.slice(1)}[]` : c.udt_name,
      precision: c.data_type.startsWith('timestamp') ? c.datetime_precision : null,
      nullable: c.is_nullable === 'YES',
      default: c.column_default,
    }));
    const key = (x: { table: string; column: string }) => `${x.table}.${x.column}`;
    expect(actual.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      expected.sort((a, b) => key(a).localeCompare(key(b))),
    );
  });

  it('creates exactly the indexes the schema declares, columns and sort order included', () => {
    const expected = models.flatMap((m) => [
      `CREATE UNIQUE INDEX ${m.table}_pkey ON public.${m.table} USING btree (${m.fields
        .filter((f) => f.id)
        .map((f) => f.column)
        .join(', ')})`,
      ...m.indexes.map(
        (i) =>
          `CREATE INDEX ${i.name} ON public.${m.table} USING btree (${i.columns
            .map((c) => `${c.column}${c.desc ? ' DESC' : ''}`)
            .join(', ')})`,
      ),
    ]);
    expect(indexes.map((i) => i.indexdef.replaceAll('"', '')).sort()).toEqual(expected.sort());
  });
});

interface RuntimeDataModel {
  models: Record<
    string,
    { dbName: string | null; fields: { name: string; dbName?: string; type: string }[] }
  >;
}

/** The Postgres column Prisma's migration engine creates for a scalar field. */
function sqlType(f: {
  type: string;
  dbType: string | null;
  optional: boolean;
  list: boolean;
  default: string | null;
}) {
  const base: Record<string, string> = {
    String: 'text',
    Int: 'int4',
    BigInt: 'int8',
    Float: 'float8',
    Boolean: 'bool',
    DateTime: 'timestamp',
    Json: 'jsonb',
    Bytes: 'bytea',
  };
  let type = base[f.type];
  let precision: number | null = f.type === 'DateTime' ? 3 : null;
  if (f.dbType === 'Uuid') type = 'uuid';
  else if (f.dbType?.startsWith('Timestamptz')) {
    type = 'timestamptz';
    precision = Number(/\((\d+)\)/.exec(f.dbType)?.[1] ?? 6);
  } else if (f.dbType) throw new Error(`@db.${f.dbType}: add its SQL type to this test`);
  if (!type) throw new Error(`type ${f.type}: add its SQL type to this test`);
  let def: string | null = null;
  const literal = f.default === null ? null : /^"([^"\\']*)"$/.exec(f.default);
  if (f.default === 'now()') def = 'CURRENT_TIMESTAMP';
  else if (literal && f.type === 'String') def = `'${literal[1]}'::text`;
  else if (f.default !== null) throw new Error(`@default(${f.default}): add its SQL default to this test`);
  return {
    type: f.list ? `${type}[]` : type,
    precision,
    // Prisma creates scalar lists without NOT NULL.
    nullable: f.optional || f.list,
    default: def,
  };
}
