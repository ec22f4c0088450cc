/** Reads traces back for the admin API: filters by time range, subject, tool, status; newest first; keyset pages. */
import { afterCursor, pageSize, toPage } from '../db/cursor.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { StoredTrace, TraceFilter, TraceReader } from './types.ts';

export function createTraceReader(prisma: PrismaClient): TraceReader {
  return {
    async list(filter: TraceFilter) {
      const size = pageSize(filter.limit, 100, 500);
      const time: { gte?: Date; lt?: Date } = {};
      if (filter.from) time.gte = filter.from;
      if (filter.to) time.lt = filter.to;
      const rows = await prisma.trace.findMany({
        where: {
          AND: [
            filter.from || filter.to ? { time } : {},
            filter.subject ? { subject: filter.subject } : {},
            filter.tool ? { tool: filter.tool } : {},
            filter.status ? { status: filter.status } : {},
            afterCursor('time', filter.cursor),
          ],
        },
        orderBy: [{ time: 'desc' }, { id: 'desc' }],
        take: size + 1,
      });
      const page = toPage(rows, size, (r) => r.time);
      return {
        items: page.items.map(
          (r): StoredTrace => ({
            ...r,
            time: r.time.toISOString(),
            args: r.args ?? null,
            result: r.result ?? null,
          }),
        ),
        nextCursor: page.nextCursor,
      };
    },
  };
}
