/**
 * Serves the console's built assets (Vite's output folder) under /console/, and redirects `GET /` there.
 * Hashed assets (/console/assets/*) are cached for a year (their names change with their content); index.html
 * and the other files are revalidated every time; any other GET under /console/ that is not a file is a
 * client-side route and gets index.html. File serving is express.static (serve-static/send): paths are
 * resolved inside the folder only (`..` is refused), dotfiles are not served.
 * Every response under /console/ carries the strict Content-Security-Policy of the console contract.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';

/** The console's policy: nothing inline, nothing from elsewhere, no framing. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export const NOT_BUILT_MESSAGE =
  'The console is not built: run `npm run build:console` (it writes gateway/console/dist/), then reload.';

/** True when `dist` holds a built console (its index.html). */
export function consoleBuilt(dist: string): boolean {
  return existsSync(path.join(dist, 'index.html'));
}

export function securityHeaders(_req: Request, res: Response, next: NextFunction) {
  res.set(SECURITY_HEADERS);
  next();
}

/**
 * The router for `/` and `/console/…` serving the assets in `dist` (an absolute folder). Mount it after the
 * console's own routes (/console/login, /console/callback), since every other GET under /console/ ends here.
 */
export function consoleStatic(dist: string): express.Router {
  const router = express.Router();
  const index = path.join(dist, 'index.html');
  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.use('/console', securityHeaders);
  router.use('/console', (_req, res, next) => {
    if (consoleBuilt(dist)) return next();
    res.status(503).type('text/plain').send(`${NOT_BUILT_MESSAGE}\n`);
  });
  router.use(
    '/console/assets',
    express.static(path.join(dist, 'assets'), {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      immutable: true,
      maxAge: '365d',
    }),
    // A missing hashed asset is a 404, not the page: a stale index.html must not get HTML for its script.
    (req, res) => {
      res.status(404).type('text/plain').send(`no console asset ${req.path}\n`);
    },
  );
  router.use(
    '/console',
    express.static(dist, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      cacheControl: false,
      setHeaders: (res) => res.setHeader('cache-control', 'no-cache'),
    }),
  );
  router.use('/console', (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.originalUrl === '/console' || req.originalUrl.startsWith('/console?')) {
      res.redirect(301, `/console/${req.originalUrl.slice('/console'.length)}`);
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index, { cacheControl: false, dotfiles: 'allow' });
  });
  return router;
}
