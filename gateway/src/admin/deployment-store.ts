/** Deployment records (what `raku status` saw running in a zone), newest first. */
import { randomUUID } from 'node:crypto';
import { afterCursor, pageSize, toPage } from '../db/cursor.ts';
import type { Deployment, PrismaClient } from '../generated/prisma/client.ts';
import type { DeploymentRecord, DeploymentStore } from './types.ts';

function toRecord(row: Deployment): DeploymentRecord {
  return {
    id: row.id,
    zone: row.zone,
    workload: row.workload,
    pack: row.pack,
    version: row.version,
    imageDigest: row.imageDigest,
    health: row.health as DeploymentRecord['health'],
    revision: row.revision,
    ...(row.detail === null ? {} : { detail: row.detail }),
    observedAt: row.observedAt,
  };
}

export function createDeploymentStore(
  prisma: PrismaClient,
  /** Told about each record stored (the live event stream). Must not throw or wait; errors are ignored. */
  onRecord?: (record: DeploymentRecord) => void,
): DeploymentStore {
  return {
    async record(input) {
      const row = await prisma.deployment.create({
        data: {
          id: randomUUID(),
          zone: input.zone,
          workload: input.workload,
          pack: input.pack,
          version: input.version,
          imageDigest: input.imageDigest ?? null,
          health: input.health,
          revision: input.revision ?? null,
          ...(input.detail === undefined || input.detail === null ? {} : { detail: input.detail as object }),
        },
      });
      const record = toRecord(row);
      try {
        onRecord?.(record);
      } catch {
        // a listener's fault is not the store's
      }
      return record;
    },
    async list(filter) {
      const size = pageSize(filter.limit, 50, 200);
      const rows = await prisma.deployment.findMany({
        where: {
          AND: [
            filter.zone ? { zone: filter.zone } : {},
            filter.workload ? { workload: filter.workload } : {},
            filter.pack ? { pack: filter.pack } : {},
            afterCursor('observedAt', filter.cursor),
          ],
        },
        orderBy: [{ observedAt: 'desc' }, { id: 'desc' }],
        take: size + 1,
      });
      const page = toPage(rows, size, (r) => r.observedAt);
      return { items: page.items.map(toRecord), nextCursor: page.nextCursor };
    },
  };
}
