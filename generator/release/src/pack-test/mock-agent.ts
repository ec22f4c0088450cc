/**
 * Adapter: a mock A2A agent for `raku pack test`, built with the official `@a2a-js/sdk` server on 127.0.0.1
 * (a free port). It serves the interface an A2A pack declares (JSON-RPC at /a2a or HTTP+JSON at /rest, A2A 1.0,
 * or 0.3 through the SDK's compat layer), records each message it receives with the request's headers, and
 * answers with a completed task whose artifact holds the parts the test tells it to.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentCard, type Message, type Part, TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import type { A2aUpstream } from '@raku/config';
import express from 'express';

/** A message the agent received: the request's headers (lower-case) and the message itself. */
export interface ReceivedMessage {
  headers: Record<string, string>;
  /** Path and query of the request. */
  url: string;
  message: Message;
  /** The id of the task the agent answered with. */
  taskId: string;
}

export class MockAgent {
  readonly received: ReceivedMessage[] = [];
  /** Parts of the answer's artifact; set per tool by the test runner. */
  answer: Part[] = [];
  private constructor(
    private readonly server: Server,
    /** The interface URL the pack's tools are sent to. */
    readonly url: string,
  ) {}

  /** Starts an agent speaking the binding and protocol version the pack declares; `tokenPath` answers OAuth. */
  static async start(a2a: A2aUpstream, tokenPath: string): Promise<MockAgent> {
    const app = express();
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const rest = a2a.transport === 'HTTP+JSON';
    const url = `${base}${rest ? '/rest' : '/a2a'}`;
    const agent = new MockAgent(server, url);
    const card = AgentCard.fromJSON({
      name: 'raku pack test agent',
      description: 'Answers every skill with the answer the pack test sets.',
      version: '1.0.0',
      supportedInterfaces: [
        { url, protocolBinding: rest ? 'HTTP+JSON' : 'JSONRPC', tenant: '', protocolVersion: '1.0' },
        ...(a2a.protocolVersion === '0.3'
          ? [{ url, protocolBinding: rest ? 'HTTP+JSON' : 'JSONRPC', tenant: '', protocolVersion: '0.3' }]
          : []),
      ],
      // A pack recording that its agent streams calls with SendStreamingMessage, which the SDK serves only then.
      capabilities: { streaming: a2a.streaming === true, pushNotifications: false },
      defaultInputModes: ['text/plain', 'application/json'],
      defaultOutputModes: ['text/plain', 'application/json'],
      skills: [],
    });
    let request = { headers: {} as Record<string, string>, url: '' };
    const handler = new DefaultRequestHandler(
      card,
      new InMemoryTaskStore(),
      agent.executor(() => request),
    );
    app.post(tokenPath, (_req, res) => {
      res.json({ access_token: 'raku-pack-test-token', token_type: 'bearer', expires_in: 3600 });
    });
    app.use((req, _res, next) => {
      const headers = Object.entries(req.headers).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.join(', ') : (v ?? ''),
      ]);
      request = { headers: Object.fromEntries(headers), url: req.originalUrl };
      next();
    });
    const legacy = a2a.protocolVersion === '0.3' ? { legacyCompat: { enabled: true } } : {};
    const options = { requestHandler: handler, userBuilder: UserBuilder.noAuthentication, ...legacy };
    app.use(rest ? '/rest' : '/a2a', rest ? restHandler(options) : jsonRpcHandler(options));
    return agent;
  }

  private executor(request: () => { headers: Record<string, string>; url: string }): AgentExecutor {
    return {
      execute: async (ctx: RequestContext, bus: ExecutionEventBus) => {
        this.received.push({ ...request(), message: ctx.userMessage, taskId: ctx.taskId });
        const ids = { taskId: ctx.taskId, contextId: ctx.contextId };
        bus.publish(
          AgentEvent.task({
            id: ctx.taskId,
            contextId: ctx.contextId,
            status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: undefined },
            artifacts: [],
            history: [ctx.userMessage],
            metadata: undefined,
          }),
        );
        bus.publish(
          AgentEvent.artifactUpdate({
            ...ids,
            artifact: {
              artifactId: 'answer',
              name: 'answer',
              description: '',
              parts: this.answer,
              metadata: undefined,
              extensions: [],
            },
            append: false,
            lastChunk: true,
            metadata: undefined,
          }),
        );
        bus.publish(
          AgentEvent.statusUpdate({
            ...ids,
            status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: undefined },
            metadata: undefined,
          }),
        );
        bus.finished();
      },
      cancelTask: async () => {},
    };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
