/**
 * The Redis connection the gateway's shared parts use (REDIS_URL): the rate limiter and the tool cache each
 * open one. Commands fail at once while the connection is down (no offline queue), so a caller can fall back
 * instead of waiting; after the first connection the client keeps reconnecting.
 */
import { createClient } from 'redis';

function createRedis(url: string, state: { connected: boolean }) {
  return createClient({
    url,
    socket: {
      connectTimeout: 2000,
      // Before the first connection: give up, so a wrong URL fails the start. After: keep trying.
      reconnectStrategy: (retries, cause) => (state.connected ? Math.min(retries * 200, 5000) : cause),
    },
    disableOfflineQueue: true,
  });
}

export type RedisClient = ReturnType<typeof createRedis>;

/**
 * Connects to `url`, rejecting when Redis cannot be reached at all (a misconfigured URL fails the start).
 * `onLost` hears every error after that first connection (the client reconnects by itself).
 */
export async function connectRedis(url: string, onLost: (err: Error) => void): Promise<RedisClient> {
  const state = { connected: false };
  const client = createRedis(url, state);
  client.on('error', (err: Error) => {
    if (state.connected) onLost(err);
  });
  await client.connect();
  state.connected = true;
  return client;
}
