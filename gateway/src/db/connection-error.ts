/**
 * Start-up failures of the database that the operator's environment causes, as one-line UserErrors that say
 * what to change: Postgres not running or not reachable, a database or role that does not exist, a refused
 * password, TLS trouble (every failure to open the first connection is one of these), and a PGlite data
 * directory that cannot be created or opened. The URL is shown without its password.
 */
import { UserError } from '@raku/config';

/** `postgres://user@host:port/database`, never the password or the query. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host || 'localhost'}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

function parts(url: string): { host: string; port: string; database: string; user: string } {
  try {
    const u = new URL(url);
    return {
      host: u.hostname || 'localhost',
      port: u.port || '5432',
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default)',
      user: decodeURIComponent(u.username),
    };
  } catch {
    return { host: 'localhost', port: '5432', database: '(default)', user: '' };
  }
}

/** The UserError for a failure to open the first connection to the Postgres of `url`. */
export function databaseConnectError(err: unknown, url: string): UserError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const { host, port, database, user } = parts(url);
  let advice: string;
  switch (code) {
    case 'ECONNREFUSED':
      advice = `nothing accepts connections at ${host}:${port}: start Postgres there, or fix the host and port in DATABASE_URL`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      advice = `host ${host} does not resolve: fix the host in DATABASE_URL`;
      break;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      advice = `no answer from ${host}:${port} (${code}): check the address and the network, or fix DATABASE_URL`;
      break;
    case '3D000':
      advice = `database "${database}" does not exist on ${host}:${port}: create it (createdb ${database}) or name an existing one in DATABASE_URL`;
      break;
    case '28P01':
      advice = `Postgres refused the password of user "${user}": fix the user or password in DATABASE_URL`;
      break;
    case '28000':
      advice = `${message}: name an existing role in DATABASE_URL (postgres://user:password@host/database)`;
      break;
    case '57P03':
      advice = `Postgres at ${host}:${port} is starting up or shutting down: start again once it accepts connections`;
      break;
    case '53300':
      advice = `Postgres at ${host}:${port} has no connection slot left: ${message}`;
      break;
    default:
      advice = /timeout|terminated/i.test(message)
        ? `no answer from ${host}:${port} in time (${message}): check that Postgres runs there and the network lets us through`
        : /ssl|tls|certificate/i.test(message) || code.includes('CERT')
          ? `TLS to ${host}:${port} failed (${message}): fix sslmode in DATABASE_URL or the server's certificate`
          : `${message}${code ? ` (${code})` : ''}: check DATABASE_URL`;
  }
  return new UserError(`cannot connect to Postgres (${describeDatabaseUrl(url)}): ${advice}`, { cause: err });
}

const FS_ADVICE: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a file of that name exists',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
};

/**
 * The UserError for a PGlite data directory that cannot be created or opened. A file-system error names its
 * reason; anything else PGlite reports about the folder (not a PGlite data directory, another PGlite version)
 * is shown as it is.
 */
export function dataDirError(err: unknown, dir: string): UserError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const reason = FS_ADVICE[code] ?? (typeof e?.message === 'string' ? e.message : String(err));
  return new UserError(
    `cannot open the embedded database in ${dir} (RAKU_DATA_DIR): ${reason}; set RAKU_DATA_DIR to a folder this user may write, or DATABASE_URL to a Postgres server`,
    { cause: err },
  );
}
