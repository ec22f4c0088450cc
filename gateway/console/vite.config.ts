/**
 * Vite build of the console: the browser app under src/app/ into dist/ (index.html, hashed assets and
 * .vite/manifest.json), served by the gateway under /console/. Run it through `npm run build:console`
 * (scripts/build-console.ts), which skips the build when the sources have not changed.
 *
 * index.html holds no inline script or style: the gateway serves /console/ with a strict Content-Security-Policy
 * (script-src 'self'; style-src 'self'), so everything must be a file of dist/.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    // The report prints each chunk's gzipped size: the first view's JavaScript is a budget (≤ 150 KB gzipped).
    reportCompressedSize: true,
    // Never inline assets as data: URLs into the CSS or JS: files are simpler to reason about under the CSP.
    assetsInlineLimit: 0,
    // The API reference view carries Swagger UI (about 1.5 MB, 400 KB gzipped) in its own lazy chunk, loaded only
    // when that view opens; the entry chunk's budget above is what matters for the first view.
    chunkSizeWarningLimit: 1600,
  },
});
