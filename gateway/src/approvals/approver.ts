/**
 * Who may decide an approval request. Same subject semantics as the policy engine: an approver entry is '*'
 * (any authenticated caller), 'group:<name>', 'user:<id>' or 'agent:<id>', compared exactly. Nobody decides
 * a call of their own principal (four eyes): the issuer and `sub` are compared, not the kind or groups, so a
 * token for the same `sub` with an `agent` claim cannot approve that person's call. Pure.
 */
import type { Approver } from './types.ts';

export type ApproverCheck = { ok: true } | { ok: false; message: string };

export function checkApprover(
  request: { approvers: readonly string[]; subject: string; principal: string | null; rule: string },
  approver: Approver,
): ApproverCheck {
  if (samePrincipal(request, approver)) {
    return { ok: false, message: `${approver.subject} asked for this call and cannot approve it themselves` };
  }
  const mine = new Set(approver.principals);
  if (request.approvers.some((pattern) => pattern === '*' || mine.has(pattern))) return { ok: true };
  return {
    ok: false,
    message: `${approver.subject} is not an approver of ${request.rule} (approvers: ${request.approvers.join(', ')})`,
  };
}

/**
 * True when the approver is the caller of the request: the same principal (issuer + sub). Without a principal
 * on both sides (a request stored before principals were kept), the id parts of the subjects are compared
 * ('agent:ann' and 'user:ann' are the same person), whatever the kind.
 */
export function samePrincipal(
  request: { subject: string; principal: string | null },
  approver: Pick<Approver, 'subject' | 'principal'>,
): boolean {
  if (approver.subject === request.subject) return true;
  if (request.principal !== null && approver.principal !== undefined) {
    return request.principal === approver.principal;
  }
  return idOf(request.subject) === idOf(approver.subject);
}

const idOf = (subject: string) => subject.slice(subject.indexOf(':') + 1);
