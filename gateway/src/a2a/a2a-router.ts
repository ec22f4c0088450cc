/**
 * The A2A surface of the gateway as an Express router: the public Agent Card and the JSON-RPC endpoint
 * (the SDK's `jsonRpcHandler` over GatewayAgent). Both answer only while the zone enables them
 * (`gateway.a2a.enabled`, read per request so a reload turns them on or off); otherwise the request falls
 * through to a 404. /a2a authenticates exactly as /mcp does: no valid bearer token, 401 with the same
 * WWW-Authenticate challenge, before the SDK reads the body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AgentCard } from '@a2a-js/sdk';
import { jsonRpcHandler } from '@a2a-js/sdk/server/express';
import express, { type Router } from 'express';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Caller } from '../auth/caller.ts';
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
  router.use(A2A_PATH, async (req, res, next) => {
    if (!options.enabled()) return next();
    try {
      const auth = await options.authenticator.authenticate(req.headers.authorization);
      if (!auth.ok) {
        req.resume();
        options.challenge(req, res, auth);
        return;
      }
      callers.set(req, auth.caller);
      rpc(req, res, next);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
