/**
 * The console's cookies: values sealed with jose (an encrypted JWT, `dir` + A256GCM, with an expiry), so the
 * browser holds them but can neither read nor alter them, and the gateway keeps no session store (replicas
 * sharing RAKU_CONSOLE_SESSION_KEY accept each other's cookies). Also the two cookie helpers the console
 * needs: reading one cookie from a request and writing a Set-Cookie value.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EncryptJWT, type JWTPayload, jwtDecrypt } from 'jose';

/** A 256-bit key for A256GCM. */
export type SealKey = Uint8Array;

/** A random key: sessions sealed with it end with this process (no RAKU_CONSOLE_SESSION_KEY). */
export function randomSealKey(): SealKey {
  return new Uint8Array(randomBytes(32));
}

/** Seals `payload` for `seconds`; `purpose` is bound into the token so one cookie cannot stand for another. */
export async function seal(
  payload: JWTPayload,
  key: SealKey,
  purpose: string,
  seconds: number,
): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setAudience(purpose)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .encrypt(key);
}

/** The payload of a sealed value, or undefined when it is damaged, expired, for another purpose or key. */
export async function unseal(token: string, key: SealKey, purpose: string): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtDecrypt(token, key, {
      audience: purpose,
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return payload;
  } catch {
    return undefined;
  }
}

/** The value of cookie `name` in the request, or undefined. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  /** Set when the console is reached over https. */
  secure: boolean;
  /** 'Strict' for the session; 'Lax' for the login cookie, which must come back on the issuer's redirect. */
  sameSite: 'Strict' | 'Lax';
  path: string;
}

/** A Set-Cookie value; always HttpOnly (no script of any page may read a console cookie). */
export function cookieHeader(name: string, value: string, options: CookieOptions): string {
  return [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAge}`,
    'HttpOnly',
    `SameSite=${options.sameSite}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}
