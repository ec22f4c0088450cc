/**
 * The console's assets over real HTTP (consoleStatic on an Express app): cache headers, client-side routes,
 * the strict CSP on everything under /console/, the 503 of an unbuilt console, and no way out of the folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP, consoleStatic } from '../../src/console/static.ts';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/console/assets/app-3f9a.js"></script></head></html>';
let root: string;
let servers: http.Server[] = [];

async function serve(dist: string): Promise<string> {
  const app = express();
  app.use(consoleStatic(dist));
  app.use((_req, res) => {
    res.status(404).send('outside');
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A GET with the path sent byte for byte (fetch would normalise `..` away). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let base: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'raku-console-static-'));
  const dist = path.join(root, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), INDEX);
  writeFileSync(path.join(dist, 'assets', 'app-3f9a.js'), 'console.log("app")\n');
  writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(dist, '.env'), 'SECRET=1\n');
  // A file beside the console's folder that no request may reach.
  writeFileSync(path.join(root, 'secret.txt'), 'TOP SECRET\n');
  base = await serve(dist);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  rmSync(root, { recursive: true, force: true });
});

describe('console assets', () => {
  it('serves index.html at /console/ with no-cache and the strict headers', async () => {
    const res = await fetch(`${base}/console/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(INDEX);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('caches hashed assets for a year, immutable', async () => {
    const res = await fetch(`${base}/console/assets/app-3f9a.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  });

  it('answers a missing asset with 404, not the page', async () => {
    const res = await fetch(`${base}/console/assets/app-0000.js`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('<html>');
  });

  it('serves other files of the folder with no-cache, and index.html for client-side routes', async () => {
    const icon = await fetch(`${base}/console/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
    for (const route of [
      '/console/traces',
      '/console/zones/dev/workloads/gateway',
      '/console/traces/abc?x=1',
    ]) {
      const res = await fetch(`${base}${route}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    }
  });

  it('redirects / and /console to /console/', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const bare = await fetch(`${base}/console`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('never serves a file outside the folder, nor a dotfile', async () => {
    for (const rawPath of [
      '/console/../secret.txt',
      '/console/..%2fsecret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/assets/../../secret.txt',
      '/console/assets/..%2f..%2fsecret.txt',
      '/console/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/console/..\\secret.txt',
    ]) {
      const res = await rawGet(base, rawPath);
      expect(res.body, rawPath).not.toContain('TOP SECRET');
    }
    const dotfile = await rawGet(base, '/console/.env');
    expect(dotfile.body).not.toContain('SECRET=1');
  });

  it('answers 503 saying how to build the console when its folder is missing', async () => {
    const missing = await serve(path.join(root, 'not-built'));
    const res = await fetch(`${missing}/console/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('run `npm run build:console`');
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
  });
});
