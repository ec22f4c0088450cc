/**
 * Who may decide an approval request. Same subject semantics as the policy engine: an approver entry is '*'
 * (any authenticated caller), 'group:<name>', 'user:<id>' or 'agent:<id>', compared exactly. Nobody decides
 * their own call (four eyes). Pure.
 */
import type { Approver } from './types.ts';

export type ApproverCheck = { ok: true } | { ok: false; message: string };

export function checkApprover(
  request: { approvers: readonly string[]; subject: string; rule: string },
  approver: Approver,
): ApproverCheck {
  if (approver.subject === request.subject) {
    return { ok: false, message: `${approver.subject} asked for this call and cannot approve it themselves` };
  }
  const mine = new Set(approver.principals);
  if (request.approvers.some((pattern) => pattern === '*' || mine.has(pattern))) return { ok: true };
  return {
    ok: false,
    message: `${approver.subject} is not an approver of ${request.rule} (approvers: ${request.approvers.join(', ')})`,
  };
}
