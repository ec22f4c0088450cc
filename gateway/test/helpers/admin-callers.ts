/**
 * Callers for tests of the admin router alone (no JWTs): the bearer token `admin-token` is user:ada with the
 * admin role, `reader-token` user:mia without it, anything else a 401 — the router's `authorize` dependency.
 */
import type { IncomingMessage } from 'node:http';
import type { ApiCaller, AuthorizeResult } from '../../src/admin/types.ts';

export const ADMIN: ApiCaller = {
  subject: 'user:ada',
  subjectKind: 'user',
  groups: [],
  claims: {},
  principals: ['user:ada'],
  admin: true,
};
export const READER: ApiCaller = { ...ADMIN, subject: 'user:mia', principals: ['user:mia'], admin: false };

export async function authorize(req: IncomingMessage): Promise<AuthorizeResult> {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  if (token === 'admin-token') return { ok: true, caller: ADMIN };
  if (token === 'reader-token') return { ok: true, caller: READER };
  return { ok: false, status: 401, message: 'missing or invalid bearer token' };
}
