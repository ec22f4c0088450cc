/**
 * Real A2A agents for tests, built with the official `@a2a-js/sdk` server on 127.0.0.1 port 0: one answering
 * at once, one running a task through several status updates, one refusing calls without its bearer token.
 * Each serves its Agent Card at /.well-known/agent-card.json and JSON-RPC at /a2a (v1.0, and v0.3 through the
 * SDK's compat layer when `legacy` is set).
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentCard, type Message, type Part, Role, TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, restHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import express from 'express';
import { dataPart, textPart } from './a2a-client.ts';

/**
 * 'stuck': works on every task until the agent is closed (a task that outlives any call). 'gated': streams,
 * and works on every task until the test calls `release()`, then completes it (a long task that ends).
 */
export type AgentKind = 'sync' | 'long' | 'bearer' | 'stuck' | 'gated';

export const AGENT_TOKEN = 'agent-secret-token';

export interface TestAgent {
  /** Base URL of the agent (its card is at <url>/.well-known/agent-card.json). */
  url: string;
  cardUrl: string;
  /** The A2A interface URL (JSON-RPC). */
  rpcUrl: string;
  /** What the agent received: the text of each message and its metadata. */
  received: { text: string; data: unknown[]; metadata: Record<string, unknown> | undefined }[];
  /** The `traceparent` header of each request to the A2A interface ('' when it had none). */
  traceparents: string[];
  /** Changes the card the agent serves from now on (its description). */
  setDescription(text: string): void;
  /** 'gated': lets the tasks waiting (and any later one) complete. */
  release(): void;
  close(): Promise<void>;
}

export interface AgentOptions {
  /** Also serve A2A v0.3 (the card then declares a 0.3 interface first). */
  legacy?: boolean;
  /** Status updates the long agent publishes before completing. Default 3. */
  steps?: number;
  /** Also serve HTTP+JSON (REST) at /rest, declared after the JSON-RPC interface. */
  rest?: boolean;
}

const textOf = (parts: readonly Part[]) =>
  parts.flatMap((p) => (p.content?.$case === 'text' ? [p.content.value] : [])).join('\n');
const dataOf = (parts: readonly Part[]) =>
  parts.flatMap((p) => (p.content?.$case === 'data' ? [p.content.value as unknown] : []));

function agentMessage(ctx: RequestContext, parts: Part[]): Message {
  return {
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    contextId: ctx.contextId,
    taskId: ctx.taskId,
    role: Role.ROLE_AGENT,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

function status(ctx: RequestContext, state: TaskState, text?: string) {
  return AgentEvent.statusUpdate({
    taskId: ctx.taskId,
    contextId: ctx.contextId,
    status: {
      state,
      message: text === undefined ? undefined : agentMessage(ctx, [textPart(text)]),
      timestamp: new Date().toISOString(),
    },
    metadata: undefined,
  });
}

function executor(
  kind: AgentKind,
  agent: TestAgent,
  steps: number,
  closed: Promise<void>,
  released: Promise<void>,
): AgentExecutor {
  return {
    async execute(ctx: RequestContext, bus: ExecutionEventBus) {
      const { parts, metadata } = ctx.userMessage;
      const text = textOf(parts);
      agent.received.push({ text, data: dataOf(parts), metadata });
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
      if (text.includes('ask me')) {
        bus.publish(status(ctx, TaskState.TASK_STATE_INPUT_REQUIRED, 'Which currency?'));
        bus.finished();
        return;
      }
      if (text.includes('please fail')) {
        bus.publish(status(ctx, TaskState.TASK_STATE_FAILED, 'the agent could not do it'));
        bus.finished();
        return;
      }
      if (kind === 'gated') {
        bus.publish(status(ctx, TaskState.TASK_STATE_WORKING, 'waiting for the gate'));
        await released;
      }
      if (kind === 'stuck') {
        bus.publish(status(ctx, TaskState.TASK_STATE_WORKING, 'working on it'));
        await closed;
        bus.finished();
        return;
      }
      if (kind === 'long') {
        for (let i = 1; i <= steps; i++) {
          bus.publish(status(ctx, TaskState.TASK_STATE_WORKING, `step ${i} of ${steps}`));
          await new Promise((r) => setImmediate(r));
        }
      }
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId: ctx.taskId,
          contextId: ctx.contextId,
          artifact: {
            artifactId: 'answer',
            name: 'answer',
            description: '',
            parts: [textPart(`answer to: ${text}`), dataPart({ words: text.split(/\s+/).length })],
            metadata: undefined,
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }),
      );
      bus.publish(status(ctx, TaskState.TASK_STATE_COMPLETED));
      bus.finished();
    },
    async cancelTask() {},
  };
}

function card(kind: AgentKind, base: string, description: string, legacy: boolean, rest = false) {
  const secured = kind === 'bearer';
  const interfaces = [{ url: `${base}/a2a`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }];
  if (rest)
    interfaces.push({
      url: `${base}/rest`,
      protocolBinding: 'HTTP+JSON',
      tenant: '',
      protocolVersion: '1.0',
    });
  if (legacy) interfaces.unshift({ ...interfaces[0]!, protocolVersion: '0.3' });
  return AgentCard.fromJSON({
    name: `${kind} agent`,
    description,
    version: '1.0.0',
    supportedInterfaces: interfaces,
    capabilities: { streaming: kind === 'long' || kind === 'gated', pushNotifications: false },
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain', 'application/json'],
    ...(secured
      ? {
          securitySchemes: { bearerAuth: { httpAuthSecurityScheme: { scheme: 'Bearer' } } },
          securityRequirements: [{ schemes: { bearerAuth: { list: [] } } }],
        }
      : {}),
    skills: [
      {
        id: 'summarize',
        name: 'Summarize',
        description: 'Summarizes the text it is given.',
        tags: ['text'],
        examples: ['Summarize this paragraph'],
        inputModes: ['text/plain'],
        outputModes: ['text/plain'],
      },
      {
        id: 'count-words',
        name: 'Count words',
        description: 'Counts the words of a text, answering with structured data.',
        tags: ['text'],
        examples: [],
        inputModes: ['text/plain', 'application/json'],
        outputModes: ['application/json'],
      },
    ],
  });
}

/** Starts one agent. */
export async function startAgent(kind: AgentKind, opts: AgentOptions = {}): Promise<TestAgent> {
  const app = express();
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let description = `A ${kind} test agent.`;
  const legacy = opts.legacy === true;
  let release = () => {};
  const closed = new Promise<void>((resolve) => {
    release = resolve;
  });
  let openGate = () => {};
  const released = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const agent: TestAgent = {
    url: base,
    cardUrl: `${base}/.well-known/agent-card.json`,
    rpcUrl: `${base}/a2a`,
    received: [],
    traceparents: [],
    setDescription: (text) => {
      description = text;
    },
    release: () => openGate(),
    close: () =>
      new Promise((resolve) => {
        release();
        openGate();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const handler = new DefaultRequestHandler(
    card(kind, base, description, legacy, opts.rest === true),
    new InMemoryTaskStore(),
    executor(kind, agent, opts.steps ?? 3, closed, released),
  );
  app.use(
    '/.well-known/agent-card.json',
    agentCardHandler({
      agentCardProvider: async () => card(kind, base, description, legacy, opts.rest === true),
      ...(legacy ? { legacyCompat: { enabled: true } } : {}),
    }),
  );
  app.use('/a2a', (req, _res, next) => {
    agent.traceparents.push(String(req.headers.traceparent ?? ''));
    next();
  });
  if (kind === 'bearer') {
    app.use('/a2a', (req, res, next) => {
      if (req.headers.authorization === `Bearer ${AGENT_TOKEN}`) next();
      else res.status(401).json({ error: 'a bearer token is required' });
    });
  }
  if (opts.rest) {
    app.use('/rest', restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  }
  app.use(
    '/a2a',
    jsonRpcHandler({
      requestHandler: handler,
      userBuilder: UserBuilder.noAuthentication,
      ...(legacy ? { legacyCompat: { enabled: true } } : {}),
    }),
  );
  return agent;
}
