/**
 * Raku's own attributes on the span of the request being served (the gateway's or the pack server's SERVER
 * span, found in the active context): what the policy decided and where the call went. Never argument values.
 */
import { type Attributes, trace } from '@opentelemetry/api';
import { ATTR } from './mcp-spans.ts';
import { activeTracer } from './tracing.ts';

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

/** Sets the attributes given (empty and null ones left out) when tracing is on and the span records. */
export function annotateCallSpan(call: CallAttributes): void {
  if (!activeTracer()) return;
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  const attributes: Attributes = {};
  for (const key of Object.keys(call) as (keyof CallAttributes)[]) {
    const value = call[key];
    if (value !== undefined && value !== null && value !== '') attributes[KEYS[key]] = value;
  }
  span.setAttributes(attributes);
}
