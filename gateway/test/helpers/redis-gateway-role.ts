/**
 * What a REDIS_URL test of the gateway role needs to start it as main.ts does (startGatewayRole, from
 * environment variables): the JWT gateway parts, their bundle written to a file under a zone of this run only
 * (so its Redis keys, `raku:<part>:<zone>:…`, are its own), a scratch database and the environment.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import type { GatewayBundle } from '../../../generator/render/src/bundle/types.ts';
import { type JwtGatewayParts, startJwtGatewayParts } from './jwt-gateway-parts.ts';
import { createScratchDatabase } from './scratch-database.ts';

export const REDIS = 'redis://127.0.0.1:6379';

export interface RedisGatewayRole {
  parts: JwtGatewayParts;
  zone: string;
  scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  /** RAKU_ROLE=gateway, RAKU_BUNDLE, DATABASE_URL, PORT=0 and REDIS_URL. */
  env: Record<string, string>;
  /** Deletes the zone's Redis keys, drops the database, stops the parts. */
  close(): Promise<void>;
}

/** `name` starts the zone's name; `edit` changes the bundle before it is written. */
export async function setUpRedisGatewayRole(
  name: string,
  edit: (bundle: GatewayBundle) => void = () => {},
): Promise<RedisGatewayRole> {
  const parts = await startJwtGatewayParts();
  const zone = `${name}-${randomBytes(4).toString('hex')}`;
  parts.bundle.zone = zone;
  edit(parts.bundle);
  const dir = mkdtempSync(path.join(tmpdir(), `raku-${name}-`));
  writeFileSync(path.join(dir, 'bundle.json'), JSON.stringify(parts.bundle));
  const scratch = await createScratchDatabase();
  const env = {
    RAKU_ROLE: 'gateway',
    RAKU_BUNDLE: path.join(dir, 'bundle.json'),
    DATABASE_URL: scratch.url,
    PORT: '0',
    REDIS_URL: REDIS,
  };
  return {
    parts,
    zone,
    scratch,
    env,
    async close() {
      const redis = createClient({ url: REDIS });
      await redis.connect();
      const keys = await redis.keys(`raku:*:${zone}:*`);
      if (keys.length > 0) await redis.del(keys);
      await redis.close();
      await scratch.drop();
      await parts.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
