/**
 * Where the built console is. From source: @raku/console's CONSOLE_DIST (gateway/console/dist). In the bundled
 * runtime (the image's /app, the package's dist/runtime/app) the build copies it to app/console and defines
 * RAKU_BUNDLED_CONSOLE as that folder relative to the bundle's chunks (app/chunks/…, where this module lands:
 * only the gateway and local roles, loaded on demand, import it), since @raku/console's own path means
 * nothing inside a bundle.
 */
import { fileURLToPath } from 'node:url';
import { CONSOLE_DIST } from '@raku/console';

declare const RAKU_BUNDLED_CONSOLE: string | undefined;

export function consoleDist(): string {
  return typeof RAKU_BUNDLED_CONSOLE === 'string'
    ? fileURLToPath(new URL(RAKU_BUNDLED_CONSOLE, import.meta.url))
    : CONSOLE_DIST;
}
