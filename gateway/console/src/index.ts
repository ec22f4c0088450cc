/**
 * The Node side of @raku/console: where the console's built assets are. The browser app lives in src/app/ and
 * is built by Vite (`npm run build:console`) into gateway/console/dist/, which the gateway serves under
 * /console/. Nothing here imports the app: the gateway only needs the folder.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of gateway/console/dist (index.html, assets/, .vite/manifest.json) once built. */
export const CONSOLE_DIST: string = fileURLToPath(new URL('../dist', import.meta.url));
