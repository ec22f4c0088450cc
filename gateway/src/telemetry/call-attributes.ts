/**
 * Raku's own attributes on the span of the request being served (the gateway's or the pack server's SERVER
 * span, CallRequest.span): what the policy decided and where the call went. Never argument values.
 */
import type { Span } from '@opentelemetry/api';
import { ATTR } from './mcp-spans.ts';

export interface CallAttributes {
  zone?: string;
  pack?: string;
  packVersion?: string;
  /** The policy rule that decided (or held) the call. */
  rule?: string | null;
  /** allow, deny, approval, none. */
  decision?: string;
  /** The config revision the gateway serves. */
  revision?: string;
  /** The trace row's status: ok, error, denied, rate_limited, timeout, ... */
  status?: string;
  route?: string | null;
  target?: string | null;
}

const KEYS: Readonly<Record<keyof CallAttributes, string>> = {
  zone: ATTR.zone,
  pack: ATTR.pack,
  packVersion: ATTR.packVersion,
  rule: ATTR.policyRule,
  decision: ATTR.decision,
  revision: ATTR.revision,
  status: ATTR.callStatus,
  route: ATTR.route,
  target: ATTR.target,
};

/**
 * Sets the attributes given (empty and null ones left out) on `span`, when there is one and it records.
 * One setAttribute per value, without an intermediate Attributes object (setAttributes loops over one).
 */
export function annotateCallSpan(span: Span | undefined, call: CallAttributes): void {
  if (!span?.isRecording()) return;
  for (const key in call) {
    const value = call[key as keyof CallAttributes];
    if (value !== undefined && value !== null && value !== '')
      span.setAttribute(KEYS[key as keyof CallAttributes], value);
  }
}
