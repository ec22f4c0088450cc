/**
 * The `onerror` of both roles' HTTP surfaces, logging each report at the level it deserves: a client's
 * mistake (bad JSON, a wrong media type or Accept header, an invalid JSON-RPC message, an unsupported
 * protocol revision, a request too large) at `warn`, since the client was answered with a 4xx and the
 * server is fine; everything else (a 5xx: a handler that threw, a broken stream) at `error`.
 *
 * The SDK reports its 4xx rejections through the same callback as its faults, without the status, so they
 * are told apart by what the SDK raises for them: a ProtocolError other than InternalError, a JSON
 * SyntaxError, a schema (zod) error, or one of the transport's rejection messages.
 */
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';

/** How the SDK's transport words the rejections it answers with 4xx (see its handlePostRequest). */
const CLIENT_MISTAKE_MESSAGE =
  /^(Not Acceptable|Unsupported Media Type|Parse error|Invalid Request|Bad Request|Method not allowed|Conflict|Session not found|Rejected inbound request|Payload Too Large|Request body|Invalid (Host|Origin))/i;

/** Whether a reported error is the client's mistake (answered 4xx) rather than a fault of ours. */
export function isClientMistake(error: unknown): boolean {
  if (error instanceof ProtocolError) return error.code !== ProtocolErrorCode.InternalError;
  if (error instanceof SyntaxError) return true;
  const name = (error as { name?: unknown })?.name;
  if (name === 'ZodError' || name === '$ZodError') return true;
  const message = (error as { message?: unknown })?.message;
  return typeof message === 'string' && CLIENT_MISTAKE_MESSAGE.test(message);
}

/** An `onerror` that logs client mistakes as `warn: …` and faults as `error: …`. */
export function serverErrorLogger(log: (message: string) => void): (error: Error) => void {
  return (error) => log(`${isClientMistake(error) ? 'warn' : 'error'}: ${error.message}`);
}
