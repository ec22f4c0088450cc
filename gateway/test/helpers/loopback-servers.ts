/**
 * The pack server and gateway as most tests and benches start them: on loopback (port 0), the pack server in
 * the dev environment allowed to reach private networks (the fake upstreams listen on 127.0.0.1), the gateway
 * with no admins and its health and remote checks off (a test states what it routes; nothing polls behind it).
 */
import {
  type GatewayServerOptions,
  type RunningGateway,
  startGateway,
} from '../../src/server/gateway-server.ts';
import { type PackServerOptions, type RunningServer, startPackServer } from '../../src/server/pack-server.ts';

/** A pack server on 127.0.0.1 (port 0) serving `pack` with `secrets`, private networks allowed. */
export function startLoopbackPackServer(
  pack: PackServerOptions['packs'][number],
  secrets: PackServerOptions['secrets'],
): Promise<RunningServer> {
  return startPackServer({ packs: [pack], environment: 'dev', secrets, allowPrivateNetworks: true, port: 0 });
}

/**
 * A gateway on 127.0.0.1 (port 0) with `options`; adminSubjects defaults to none and routeOptions to health
 * and remote checks off.
 */
export function startLoopbackGateway(
  options: Omit<GatewayServerOptions, 'port' | 'adminSubjects'> &
    Partial<Pick<GatewayServerOptions, 'adminSubjects'>>,
): Promise<RunningGateway> {
  return startGateway({
    adminSubjects: [],
    ...options,
    port: 0,
    routeOptions: options.routeOptions ?? { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
  });
}
