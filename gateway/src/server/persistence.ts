/**
 * Wires the persistence layer into the gateway: the database (Postgres from DATABASE_URL, else embedded
 * PGlite), migrations applied at start, and the buffered trace sink. Owned pieces come from ../db and
 * ../traces; this file only assembles them.
 */
import { createDatabase, type Database } from '../db/database.ts';
import { createTraceSink } from '../traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../traces/trace-writer.ts';
import type { TraceSink } from '../traces/types.ts';
import type { Readiness } from './http-server.ts';

export interface Persistence {
  db: Database;
  traces: TraceSink;
  /** Postgres (or PGlite) answers. */
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

export async function openPersistence(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  log: (message: string) => void;
}): Promise<Persistence> {
  const db = await createDatabase({
    ...(options.databaseUrl ? { url: options.databaseUrl } : {}),
    dataDir: options.dataDir,
  });
  const migrated = await db.migrate();
  if (migrated.applied.length > 0) options.log(`applied migrations: ${migrated.applied.join(', ')}`);
  const traces = createTraceSink({
    writer: createPrismaTraceWriter(db.prisma),
    onError: (err) => options.log(`trace write failed: ${(err as Error)?.message ?? err}`),
  });
  return {
    db,
    traces,
    async readiness() {
      const ok = await db.ping();
      return { ready: ok, detail: { database: `${db.kind} ${ok ? 'reachable' : 'unreachable'}` } };
    },
    async close() {
      await traces.close();
      await db.close();
    },
  };
}
