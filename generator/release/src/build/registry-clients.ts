import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Zone } from '@raku/config';
import { secretEnvName, UserError } from '@raku/config';
import { type RegistryCredentials, resolveCredentials } from './registry-auth.ts';
import { RegistryClient } from './registry-client.ts';

/**
 * Adapter: one RegistryClient per registry host, with credentials from (in order) the zone's
 * `registry.credentials` secret env var, RAKU_REGISTRY_USERNAME/RAKU_REGISTRY_PASSWORD (the zone's registry
 * only), the docker config.json ($DOCKER_CONFIG or ~/.docker), or anonymous.
 */
export async function registryClientsFor(
  zone: Zone,
  env: Readonly<Record<string, string | undefined>>,
  extra: { fetch?: typeof fetch } = {},
): Promise<{ clientFor: (registry: string) => RegistryClient; sources: Map<string, string> }> {
  const dockerConfigPath = path.join(
    env['DOCKER_CONFIG'] ?? path.join(env['HOME'] ?? homedir(), '.docker'),
    'config.json',
  );
  let dockerConfig: { path: string; text: string } | undefined;
  try {
    dockerConfig = { path: dockerConfigPath, text: await readFile(dockerConfigPath, 'utf8') };
  } catch {
    dockerConfig = undefined;
  }
  const clients = new Map<string, RegistryClient>();
  const sources = new Map<string, string>();
  const clientFor = (registry: string): RegistryClient => {
    const existing = clients.get(registry);
    if (existing) return existing;
    const own = registry === zone.registry.host;
    let resolved: { credentials: RegistryCredentials; source: string };
    try {
      const secret = own && zone.registry.credentials ? secretEnvName(zone.registry.credentials) : undefined;
      const secretValue = secret ? env[secret] : undefined;
      resolved = resolveCredentials({
        registry,
        ...(secret && secretValue ? { secretValue: { name: secret, value: secretValue } } : {}),
        ...(own ? { username: env['RAKU_REGISTRY_USERNAME'], password: env['RAKU_REGISTRY_PASSWORD'] } : {}),
        dockerConfig,
      });
    } catch (err) {
      throw new UserError(`registry ${registry}: ${(err as Error).message}`);
    }
    const client = new RegistryClient({
      registry,
      insecure: own && zone.registry.insecure === true,
      credentials: resolved.credentials,
      ...(extra.fetch ? { fetch: extra.fetch } : {}),
    });
    clients.set(registry, client);
    sources.set(registry, resolved.source);
    return client;
  };
  return { clientFor, sources };
}
