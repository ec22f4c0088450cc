/**
 * The A2A surface of the gateway as an Express router: the public Agent Card and the JSON-RPC endpoint
 * (the SDK's `jsonRpcHandler` over GatewayAgent). Both answer only while the zone enables them
 * (`gateway.a2a.enabled`, read per request so a reload turns them on or off); otherwise the request falls
 * through to a 404. /a2a authenticates exactly as /mcp does: no valid bearer token, 401 with the same
 * WWW-Authenticate challenge, before the body is read; a caller that may not act in the tenant it names
 * (X-Raku-Tenant), or belongs to several and names none, gets 403, as on /mcp. The body is then held to the JSON bounds of /mcp
 * (RAKU_JSON_MAX_BYTES, RAKU_JSON_MAX_DEPTH) before it is parsed: the SDK's own parser has neither bound, and
 * values nested thousands deep break the code that walks them (traces, redaction).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AgentCard } from '@a2a-js/sdk';
import { jsonRpcHandler } from '@a2a-js/sdk/server/express';
import { depthMessage, jsonBounds, pruneDeepText, tooDeep } from '@raku/pack-runtime';
import express, { type Response, type Router } from 'express';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Caller } from '../auth/caller.ts';
import { TENANT_HEADER } from '../tenancy/membership.ts';
import { A2A_PATH, AGENT_CARD_PATH, type CardContext, publicAgentCard } from './agent-card.ts';
import { CallerUser, type GatewayAgent } from './gateway-agent.ts';

export interface A2aRouterOptions {
  /** Whether the zone in use enables A2A (bundle `a2a.enabled`). */
  enabled: () => boolean;
  agent: GatewayAgent;
  authenticator: Authenticator;
  /** The card's context for a request (its Host names the base URL unless a resource URL is configured). */
  card: (req: IncomingMessage) => CardContext;
  /** Answers 401 with the gateway's WWW-Authenticate challenge (the same as /mcp's). */
  challenge: (req: IncomingMessage, res: ServerResponse, failure: { code: string; message: string }) => void;
}

/** The caller the authentication step found, keyed by its request. */
const callers = new WeakMap<IncomingMessage, Caller>();

/** A body refused before parsing (too deep); answered as a JSON-RPC invalid request. */
class RefusedBody extends Error {
  constructor(
    message: string,
    readonly bytes: number,
    /** The skill a SendMessage named, read from the body with its deep part pruned: its call is traced. */
    readonly skill: string | undefined,
  ) {
    super(message);
  }
}

/** `verify` of the body parser: nesting past RAKU_JSON_MAX_DEPTH is refused unparsed. */
function refuseDeep(_req: unknown, _res: unknown, bytes: Buffer): void {
  const { maxDepth } = jsonBounds();
  if (tooDeep(bytes, maxDepth) === undefined) return;
  const pruned = pruneDeepText(bytes, maxDepth);
  throw new RefusedBody(
    depthMessage('the request', pruned.depth, maxDepth),
    bytes.length,
    skillOf(pruned.text),
  );
}

/** `params.message.parts[].data.skill` of a SendMessage in JSON text, if it names one. */
function skillOf(text: string): string | undefined {
  try {
    const request = JSON.parse(text) as {
      method?: unknown;
      params?: { message?: { parts?: { data?: { skill?: unknown } }[] } };
    };
    const parts = request.method === 'SendMessage' ? request.params?.message?.parts : undefined;
    const skill = Array.isArray(parts)
      ? parts.find((p) => typeof p?.data?.skill === 'string')?.data?.skill
      : undefined;
    return typeof skill === 'string' ? skill : undefined;
  } catch {
    return undefined;
  }
}

function invalidRequest(res: Response, status: number, message: string): void {
  res
    .status(status)
    .json({ jsonrpc: '2.0', id: null, error: { code: -32600, message: `Invalid Request: ${message}` } });
}

export function createA2aRouter(options: A2aRouterOptions): Router {
  const router = express.Router();
  router.get(AGENT_CARD_PATH, (req, res, next) => {
    if (!options.enabled()) return next();
    res.json(AgentCard.toJSON(publicAgentCard(options.card(req))));
  });
  const rpc = jsonRpcHandler({
    requestHandler: options.agent,
    userBuilder: async (req) => {
      const caller = callers.get(req);
      if (!caller) throw new Error('A2A request reached the SDK unauthenticated');
      // Aborted when the client goes away before the answer: the tool call is cancelled as over MCP.
      const left = new AbortController();
      req.res?.once('close', () => {
        if (!req.res?.writableFinished) left.abort(new Error('the A2A client closed the request'));
      });
      return new CallerUser(caller, left.signal);
    },
  });
  // Read here, so the SDK's parser finds the body read and keeps `req.body` as this one left it.
  const maxBytes = jsonBounds().maxBytes;
  const body = express.json({ limit: maxBytes, verify: refuseDeep });
  router.use(A2A_PATH, async (req, res, next) => {
    if (!options.enabled()) return next();
    try {
      const auth = await options.authenticator.authenticate(req.headers.authorization);
      if (!auth.ok) {
        req.resume();
        options.challenge(req, res, auth);
        return;
      }
      const requested = req.headers[TENANT_HEADER];
      const chosen = options.agent.withTenant(
        auth.caller,
        typeof requested === 'string' ? requested : undefined,
      );
      if (!chosen.ok) {
        req.resume();
        res.status(403).json({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32000, message: `Forbidden: ${chosen.message}` },
        });
        return;
      }
      const caller = chosen.caller;
      callers.set(req, caller);
      body(req, res, (error?: unknown) => {
        const type = (error as { type?: string } | undefined)?.type;
        if (error === undefined) rpc(req, res, next);
        else if (error instanceof RefusedBody) {
          // Traced as the MCP endpoint traces a tools/call it refuses for its depth: status invalid.
          if (error.skill !== undefined) {
            const refusal = {
              tool: error.skill,
              reason: 'depth' as const,
              message: error.message,
              bytes: error.bytes,
            };
            options.agent.recordRefused(error.skill, caller, refusal);
          }
          invalidRequest(res, 400, error.message);
        } else if (type === 'entity.too.large') {
          invalidRequest(res, 413, `the body is over the ${maxBytes}-byte limit (RAKU_JSON_MAX_BYTES)`);
        } else if (type === 'entity.parse.failed') {
          // As the SDK answers it (JSON-RPC 2.0 §5.1: parse error, id null).
          res.json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Invalid JSON payload.' } });
        } else next(error);
      });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
