/**
 * The rule for tools marked `sensitive`: they may be called only through an approval. Policies grant and
 * deny; this holds whatever they say, so a sensitive tool that no approval rule covers cannot be called at all
 * (validation warns about it). The gateway applies it after `decide`, and the policy explorer's simulator and
 * access matrix apply the same function, so they never say "allowed" where the gateway refuses.
 */
import type { Decision } from './types.ts';

/** The deciding rule's id when the sensitive-tool rule refuses a call. */
export const SENSITIVE_WITHOUT_APPROVAL = 'sensitive-without-approval';

/** `decision`, or a deny by SENSITIVE_WITHOUT_APPROVAL when `tool` is sensitive and no approval rule covers it. */
export function withSensitiveRule(decision: Decision, tool: string, sensitive: boolean): Decision {
  if (!decision.allowed || !sensitive || decision.approval) return decision;
  return {
    allowed: false,
    effect: 'deny',
    rule: SENSITIVE_WITHOUT_APPROVAL,
    reason: `${tool} is marked sensitive and no approval rule covers it, so it cannot be called`,
  };
}
