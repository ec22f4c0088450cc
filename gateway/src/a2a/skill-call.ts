/**
 * A2A messages as tool calls and tool results as A2A messages, pure. A message names its skill in exactly
 * one data part `{ "skill": "<tool>", "arguments": { ... } }` (the convention the extended card declares as
 * TOOL_CALL_EXTENSION); anything else is a malformed request, answered with the A2A error that says what
 * was expected. The answer is one agent message: the tool's text, image, audio and resource content as
 * parts, its structured content as a data part, and `isError` and the trace id in the message's metadata.
 */
import { type Message, type Part, Role, type SendMessageRequest } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { CallToolResult } from '@raku/pack-runtime';

/** Metadata key of an answer: true when the tool call failed or was refused (MCP's `isError`). */
export const IS_ERROR_METADATA = 'dev.raku/is-error';
/** Metadata key of an answer: the id of the call's trace (GET /v1/traces/{id}). */
export const TRACE_ID_METADATA = 'dev.raku/trace-id';

/** The tool call a message asks for. */
export interface SkillCall {
  skill: string;
  arguments: Record<string, unknown>;
}

const SHAPE = 'one data part { "skill": "<skill id>", "arguments": { ... } }';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The skill and arguments of a SendMessage request; throws RequestMalformedError saying what is wrong. */
export function skillCallOf(request: SendMessageRequest): SkillCall {
  const parts = request.message?.parts ?? [];
  if (request.message?.taskId) {
    throw new RequestMalformedError(
      `message.taskId "${request.message.taskId}": the gateway keeps no tasks; send a new message with ${SHAPE}`,
    );
  }
  if (parts.length !== 1) {
    throw new RequestMalformedError(`message.parts has ${parts.length} parts: expected ${SHAPE}`);
  }
  const content = parts[0]?.content;
  if (content?.$case !== 'data') {
    throw new RequestMalformedError(
      `message.parts[0] is a ${content?.$case ?? 'empty'} part: expected ${SHAPE}`,
    );
  }
  const value: unknown = content.value;
  if (!isObject(value)) {
    throw new RequestMalformedError(`message.parts[0].data must be an object: expected ${SHAPE}`);
  }
  const { skill, arguments: args, ...rest } = value;
  const extra = Object.keys(rest);
  if (extra.length > 0) {
    throw new RequestMalformedError(
      `message.parts[0].data has unknown field(s) ${extra.map((k) => `"${k}"`).join(', ')}: expected ${SHAPE}`,
    );
  }
  if (typeof skill !== 'string' || skill === '') {
    throw new RequestMalformedError(
      `message.parts[0].data.skill must be a skill id (a string): expected ${SHAPE}`,
    );
  }
  if (args !== undefined && !isObject(args)) {
    throw new RequestMalformedError(
      `message.parts[0].data.arguments must be an object, not ${describe(args)}`,
    );
  }
  return { skill, arguments: args ?? {} };
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
}

const part = (content: Part['content'], mediaType: string, filename = ''): Part => ({
  content,
  mediaType,
  filename,
  metadata: undefined,
});

/** The tool's answer as one agent message in `contextId`. */
export function answerOf(
  result: CallToolResult,
  ids: { messageId: string; contextId: string; traceId: string },
): Message {
  const parts: Part[] = result.content.map((item) => {
    switch (item.type) {
      case 'text':
        return part({ $case: 'text', value: item.text }, 'text/plain');
      case 'image':
      case 'audio':
        return part({ $case: 'raw', value: Buffer.from(item.data, 'base64') }, item.mimeType);
      case 'resource':
        return part(
          { $case: 'raw', value: Buffer.from(item.resource.blob, 'base64') },
          item.resource.mimeType,
          item.resource.uri,
        );
      default:
        // A content type a third-party server sent that packs do not: passed on as it came.
        return part({ $case: 'data', value: item as unknown }, 'application/json');
    }
  });
  if (result.structuredContent !== undefined) {
    parts.push(part({ $case: 'data', value: result.structuredContent }, 'application/json'));
  }
  return {
    messageId: ids.messageId,
    contextId: ids.contextId,
    taskId: '',
    role: Role.ROLE_AGENT,
    parts,
    metadata: { [IS_ERROR_METADATA]: result.isError === true, [TRACE_ID_METADATA]: ids.traceId },
    extensions: [],
    referenceTaskIds: [],
  };
}
