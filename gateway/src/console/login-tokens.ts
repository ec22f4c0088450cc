/**
 * One-time login tokens of local mode: `npm start` prints `…/console/#login=<token>`, the page exchanges it
 * for a session cookie (POST /v1/session). Each token works once and expires (default 15 minutes); tokens
 * live in this process only, so a restart prints a fresh one and every earlier one is dead.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const LOGIN_TOKEN_TTL_MS = 15 * 60_000;

const digest = (token: string) => createHash('sha256').update(token).digest();

export class LoginTokens {
  // By digest: a lookup compares fixed-length hashes in constant time, never the secret itself.
  private readonly pending: { digest: Buffer; expiresAt: number }[] = [];

  constructor(
    private readonly ttlMs = LOGIN_TOKEN_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token (32 random bytes, base64url), valid once within the TTL. */
  issue(): string {
    const token = randomBytes(32).toString('base64url');
    this.pending.push({ digest: digest(token), expiresAt: this.now() + this.ttlMs });
    return token;
  }

  /** True when `token` was issued, has not expired and was not used; it is used up either way. */
  redeem(token: string): boolean {
    const given = digest(token);
    const now = this.now();
    let found = -1;
    this.pending.forEach((entry, i) => {
      if (timingSafeEqual(entry.digest, given)) found = i;
    });
    const entry = found >= 0 ? this.pending.splice(found, 1)[0] : undefined;
    // Expired entries go too, so a long-running process does not keep them.
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if ((this.pending[i]?.expiresAt ?? 0) <= now) this.pending.splice(i, 1);
    }
    return entry !== undefined && entry.expiresAt > now;
  }
}
