/**
 * The JSON body of the routes that take documents (imports, config changes: up to tens of MiB), read only once
 * the caller is known to hold the admin role: nobody else makes the gateway parse that much. Other routes use
 * RouteContext.body (1 MB).
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ApiError } from './api-error.ts';
import { verifyJsonBody } from './request-validation.ts';
import type { ApiCaller, RouteContext } from './types.ts';

/**
 * Middleware: checks the admin caller (kept in `res.locals.caller`, read it with `callerOf(res)`), then parses
 * up to `limit` bytes; a larger body is 413 `payload_too_large` naming the limit and the routes, with `advice`.
 */
export function adminLargeBody(
  context: RouteContext,
  limit: number,
  routes: string,
  advice: string,
): RequestHandler {
  const parse = express.json({ limit, verify: verifyJsonBody });
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals['caller'] = await context.caller(req, true);
    } catch (err) {
      // The body stays unread: the client gets its answer, the connection is not reused.
      res.set('connection', 'close');
      return next(err);
    }
    parse(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
        return next(
          new ApiError(
            413,
            'payload_too_large',
            `request body: over the ${limit}-byte (${mib(limit)}) limit of the ${routes}; ${advice}`,
          ),
        );
      }
      next(err);
    });
  };
}

/** The admin caller adminLargeBody checked. */
export function callerOf(res: Response): ApiCaller {
  return res.locals['caller'] as ApiCaller;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}
