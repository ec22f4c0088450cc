/**
 * The gateway as an A2A agent: the SDK's request handler interface over the gateway's tool catalog. A
 * SendMessage naming a skill is a tools/call of the same catalog MCP uses, so policy, approvals, rate
 * limits, routing, redaction and the trace apply unchanged; the answer is one message. The gateway keeps no
 * A2A tasks (any replica answers any request, as for MCP): task methods answer "task not found", streaming
 * and push notifications are declared unsupported on the card and refused here.
 */
import { randomUUID } from 'node:crypto';
import type {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksResponse,
  Message,
  SendMessageRequest,
  StreamResponse,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import {
  A2AError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, ServerCallContext, User } from '@a2a-js/sdk/server';
import type { Caller } from '../auth/caller.ts';
import type { RefusedCall } from '../mcp/node-handler.ts';
import { type ToolCatalog, ToolNotFound } from '../mcp/tool-endpoint.ts';
import { TRACEPARENT, traceIdOf } from '../telemetry/trace-context.ts';
import type { CallerChoice } from '../tenancy/membership.ts';
import { type CardContext, callerAgentCard, publicAgentCard } from './agent-card.ts';
import { answerOf, skillCallOf } from './skill-call.ts';

/** The A2A user of a request the gateway authenticated: its caller, and a signal that aborts when it leaves. */
export class CallerUser implements User {
  constructor(
    readonly caller: Caller,
    readonly signal: AbortSignal,
  ) {}
  get isAuthenticated(): boolean {
    return true;
  }
  get userName(): string {
    return this.caller.subject;
  }
}

export interface GatewayAgentOptions {
  /** The catalog in use (a reload swaps it; each request takes the one in use when it arrives). */
  catalog: () => ToolCatalog;
  /** The card's context for a request's headers (its Host names the base URL), or for none (version checks). */
  card: (headers?: Record<string, unknown>) => CardContext;
}

const NO_TASKS = 'the gateway keeps no A2A tasks: every message is answered by one message';

function userOf(context: ServerCallContext): CallerUser {
  const user = context.user;
  // The router authenticates before the SDK sees the request; reaching here without a caller is a wiring fault.
  if (!(user instanceof CallerUser)) throw new A2AError('the request was not authenticated');
  return user;
}

const headersOf = (context: ServerCallContext) =>
  context.state.get('headers') as Record<string, unknown> | undefined;

export class GatewayAgent implements A2ARequestHandler {
  constructor(private readonly options: GatewayAgentOptions) {}

  async getAgentCard(): Promise<AgentCard> {
    return publicAgentCard(this.options.card());
  }

  async getAuthenticatedExtendedAgentCard(
    _params: GetExtendedAgentCardRequest,
    context: ServerCallContext,
  ): Promise<AgentCard> {
    const { caller } = userOf(context);
    const tools = await this.options.catalog().listTools(caller);
    return callerAgentCard(this.options.card(headersOf(context)), tools);
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message> {
    const { caller, signal } = userOf(context);
    const call = skillCallOf(params);
    const traceId = randomUUID();
    // The agent's W3C trace (its `traceparent` header), named in the call's trace row as for MCP calls.
    const w3cTraceId = traceIdOf(headersOf(context)?.[TRACEPARENT]);
    try {
      const result = await this.options.catalog().callTool(call.skill, call.arguments, caller, signal, {
        traceId,
        ...(w3cTraceId !== undefined ? { w3cTraceId } : {}),
      });
      return answerOf(result, {
        messageId: randomUUID(),
        contextId: params.message?.contextId || randomUUID(),
        traceId,
      });
    } catch (error) {
      // As MCP answers it (invalid params): no tool of that name exists in this zone.
      if (error instanceof ToolNotFound) throw new RequestMalformedError(`unknown skill "${call.skill}"`);
      throw error;
    }
  }

  /**
   * The caller with the tenant its request acts in (the X-Raku-Tenant header `requested`), chosen as for MCP:
   * skills are the tools of that tenant's view.
   */
  withTenant(caller: Caller, requested: string | undefined): CallerChoice {
    const catalog = this.options.catalog();
    return catalog.withTenant ? catalog.withTenant(caller, requested) : { ok: true, caller };
  }

  /** Traces a SendMessage refused before it was parsed (its body nests too deep), as MCP's refused calls are. */
  recordRefused(skill: string, caller: Caller, refusal: RefusedCall): void {
    this.options.catalog().recordRefused?.(skill, caller, refusal);
  }

  // biome-ignore lint/correctness/useYield: refused before the first event, as the card declares no streaming
  async *sendMessageStream(): AsyncGenerator<StreamResponse, void, undefined> {
    throw new UnsupportedOperationError(`streaming is not supported: use SendMessage (${NO_TASKS})`);
  }

  async getTask(params: GetTaskRequest): Promise<Task> {
    throw new TaskNotFoundError(`task "${params.id}" not found: ${NO_TASKS}`);
  }

  async cancelTask(params: CancelTaskRequest): Promise<Task> {
    throw new TaskNotFoundError(`task "${params.id}" not found: ${NO_TASKS}`);
  }

  async listTasks(): Promise<ListTasksResponse> {
    return { tasks: [], nextPageToken: '', pageSize: 0, totalSize: 0 };
  }

  // biome-ignore lint/correctness/useYield: there is never a task to subscribe to
  async *resubscribe(params: { id: string }): AsyncGenerator<StreamResponse, void, undefined> {
    throw new TaskNotFoundError(`task "${params.id}" not found: ${NO_TASKS}`);
  }

  async createTaskPushNotificationConfig(
    _params: TaskPushNotificationConfig,
  ): Promise<TaskPushNotificationConfig> {
    throw new PushNotificationNotSupportedError();
  }

  async getTaskPushNotificationConfig(
    _params: GetTaskPushNotificationConfigRequest,
  ): Promise<TaskPushNotificationConfig> {
    throw new PushNotificationNotSupportedError();
  }

  async listTaskPushNotificationConfigs(): Promise<ListTaskPushNotificationConfigsResponse> {
    throw new PushNotificationNotSupportedError();
  }

  async deleteTaskPushNotificationConfig(_params: DeleteTaskPushNotificationConfigRequest): Promise<void> {
    throw new PushNotificationNotSupportedError();
  }
}
