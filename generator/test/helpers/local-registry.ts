import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { importPKCS8, SignJWT } from 'jose';
import { stringify } from 'yaml';

const run = promisify(execFile);

/** A distribution 2.8 registry (Debian's docker-registry) started for a test on a free loopback port. */
export interface LocalRegistry {
  /** '127.0.0.1:<port>' */
  host: string;
  dir: string;
  stop(): Promise<void>;
}

export interface RegistryAuth {
  htpasswd?: { username: string; password: string };
  /** Token auth: the registry trusts the given token server (see {@link startTokenServer}). */
  token?: TokenServer;
}

export async function startRegistry(auth: RegistryAuth = {}): Promise<LocalRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'raku-registry-'));
  const config: Record<string, unknown> = {
    version: 0.1,
    // Info, for the line naming the port it listens on.
    log: { level: 'info', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: path.join(dir, 'data') }, delete: { enabled: true } },
    // Port 0: the registry binds a free port itself and names it. A port picked free beforehand could be taken
    // by another test file's server or connection before the registry binds it.
    http: { addr: '127.0.0.1:0', secret: 'raku-test-secret' },
  };
  if (auth.htpasswd) {
    const { stdout } = await run('htpasswd', ['-Bbn', auth.htpasswd.username, auth.htpasswd.password]);
    await writeFile(path.join(dir, 'htpasswd'), stdout);
    config['auth'] = { htpasswd: { realm: 'raku-test', path: path.join(dir, 'htpasswd') } };
  } else if (auth.token) {
    config['auth'] = {
      token: {
        realm: auth.token.realm,
        service: auth.token.service,
        issuer: auth.token.issuer,
        rootcertbundle: auth.token.certPath,
      },
    };
  }
  const configPath = path.join(dir, 'config.yml');
  await writeFile(configPath, stringify(config));
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let host: string | undefined;
  child.stderr?.on('data', (d: Buffer) => {
    // Kept until it names its port (for an error message); after that its per-request lines are only read.
    if (host !== undefined) return;
    stderr += d.toString();
    host = /msg="listening on (127\.0\.0\.1:\d+)"/.exec(stderr)?.[1];
  });
  const deadline = Date.now() + 20_000;
  let listening: string;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    const named = host;
    try {
      if (named !== undefined) {
        const res = await fetch(`http://${named}/v2/`);
        if (res.status === 200 || res.status === 401) {
          listening = named;
          break;
        }
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: listening,
    dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A minimal Docker token server (the flow of Docker Hub, GHCR, distribution): issues JWTs the registry trusts. */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certPath: string;
  /** Every token request seen: the scopes asked for and the user who authenticated (or undefined). */
  requests: { scopes: string[]; user?: string }[];
  close(): Promise<void>;
}

/**
 * Starts a token server on a free loopback port. Users in `users` authenticate with Basic; anonymous requests
 * get pull-only access when `anonymousPull`. The signing key's self-signed certificate (made with openssl) is the
 * registry's root bundle, and each token carries it in its x5c header.
 */
export async function startTokenServer(options: {
  users: Record<string, string>;
  anonymousPull?: boolean;
}): Promise<TokenServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'raku-token-'));
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '1',
    '-subj',
    '/CN=raku-test-token',
  ]);
  const key = await importPKCS8(await readFile(keyPath, 'utf8'), 'RS256');
  const certPem = await readFile(certPath, 'utf8');
  const certDer = certPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const service = 'raku-test-registry';
  const issuer = 'raku-test-issuer';
  const requests: TokenServer['requests'] = [];
  const server: Server = createHttpServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const scopes = url.searchParams.getAll('scope');
      let user: string | undefined;
      const header = req.headers.authorization;
      if (header?.startsWith('Basic ')) {
        const [u, p] = Buffer.from(header.slice(6), 'base64').toString().split(':');
        if (!u || options.users[u] !== p) {
          res.writeHead(401).end('{"details":"bad credentials"}');
          return;
        }
        user = u;
      }
      requests.push({ scopes, ...(user ? { user } : {}) });
      if (!user && !options.anonymousPull) {
        res.writeHead(401).end('{"details":"authentication required"}');
        return;
      }
      const access = scopes.flatMap((s) => {
        const [type, name, actions] = s.split(':');
        if (type !== 'repository' || !name || !actions) return [];
        const granted = actions.split(',').filter((a) => user || a === 'pull');
        return [{ type, name, actions: granted }];
      });
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ access })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c: [certDer] })
        .setIssuer(issuer)
        .setSubject(user ?? '')
        .setAudience(service)
        .setIssuedAt(now - 5)
        .setNotBefore(now - 5)
        .setExpirationTime(now + 300)
        .setJti(`${now}-${requests.length}`)
        .sign(key);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token, expires_in: 300 }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    realm: `http://127.0.0.1:${address.port}/token`,
    service,
    issuer,
    certPath,
    requests,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
