/** Credentials for one registry: basic username/password (also sent to a Bearer realm for a token), or none. */
export type RegistryCredentials = { username: string; password: string } | { anonymous: true };

export const ANONYMOUS: RegistryCredentials = { anonymous: true };

/** A parsed `WWW-Authenticate` challenge. */
export interface AuthChallenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header value such as `Bearer realm="https://auth/token",service="reg",
 * scope="repository:a/b:pull"`. Returns undefined for schemes other than Basic and Bearer. Pure.
 */
export function parseChallenge(header: string | null): AuthChallenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = match[2] ?? '';
  re.lastIndex = 0;
  let m: RegExpExecArray | null = re.exec(rest);
  while (m) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    if (re.lastIndex >= rest.length) break;
    m = re.exec(rest);
  }
  return { scheme, params };
}

/** The `auths` section of a docker config.json. */
interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

/**
 * Finds the credentials for `registry` in a docker config.json text (`auths` entries with base64 `auth` or
 * `username`/`password`). Keys may be a bare host, a URL ('https://ghcr.io', 'https://index.docker.io/v1/').
 * Returns undefined when the file has no entry for the host. `source` names the file in error messages.
 * Credential helpers (`credsStore`, `credHelpers`) are not run: put the credentials in `auths` or the env.
 */
export function credentialsFromDockerConfig(
  text: string,
  registry: string,
  source: string,
): RegistryCredentials | undefined {
  let config: DockerConfig;
  try {
    config = JSON.parse(text) as DockerConfig;
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (config === null || typeof config !== 'object') throw new Error(`${source}: must be a JSON object`);
  const auths = config.auths ?? {};
  const wanted = hostAliases(registry);
  for (const [key, entry] of Object.entries(auths)) {
    if (!wanted.includes(hostOfKey(key))) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new Error(`${source}: auths["${key}"].auth must be base64 of "user:password"`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username !== undefined && entry.password !== undefined) {
      return { username: entry.username, password: entry.password };
    }
    if (entry.identitytoken) {
      // Docker's convention: an identity token is presented as the password of the user '<token>'.
      return { username: '<token>', password: entry.identitytoken };
    }
    throw new Error(`${source}: auths["${key}"] has neither auth nor username/password`);
  }
  return undefined;
}

function hostOfKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

function hostAliases(registry: string): string[] {
  if (['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(registry)) {
    return ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
  }
  return [registry];
}

/**
 * Where a build finds registry credentials, first match wins:
 * 1. `value` of the zone's `registry.credentials` secret (its env var): a docker config.json or 'user:password';
 * 2. `RAKU_REGISTRY_USERNAME` + `RAKU_REGISTRY_PASSWORD` (the build action maps its inputs onto these);
 * 3. `dockerConfig`: the text of $DOCKER_CONFIG/config.json or ~/.docker/config.json;
 * 4. anonymous.
 * Pure: the caller reads the environment and the file.
 */
export function resolveCredentials(input: {
  registry: string;
  secretValue?: { name: string; value: string } | undefined;
  username?: string | undefined;
  password?: string | undefined;
  dockerConfig?: { path: string; text: string } | undefined;
}): { credentials: RegistryCredentials; source: string } {
  if (input.secretValue) {
    const { name, value } = input.secretValue;
    if (value.trimStart().startsWith('{')) {
      const found = credentialsFromDockerConfig(value, input.registry, name);
      if (!found) throw new Error(`${name}: the docker config has no auths entry for ${input.registry}`);
      return { credentials: found, source: name };
    }
    const colon = value.indexOf(':');
    if (colon <= 0) throw new Error(`${name}: must hold a docker config.json or "username:password"`);
    return {
      credentials: { username: value.slice(0, colon), password: value.slice(colon + 1).trim() },
      source: name,
    };
  }
  if (input.username !== undefined || input.password !== undefined) {
    if (!input.username || !input.password) {
      throw new Error('RAKU_REGISTRY_USERNAME and RAKU_REGISTRY_PASSWORD must be set together');
    }
    return { credentials: { username: input.username, password: input.password }, source: 'environment' };
  }
  if (input.dockerConfig) {
    const found = credentialsFromDockerConfig(
      input.dockerConfig.text,
      input.registry,
      input.dockerConfig.path,
    );
    if (found) return { credentials: found, source: input.dockerConfig.path };
  }
  return { credentials: ANONYMOUS, source: 'anonymous' };
}
