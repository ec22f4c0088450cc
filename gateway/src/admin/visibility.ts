/**
 * Who may see an approval request or a job: the one rule shared by the admin API's reads
 * (./admin-router.ts) and the live event stream's filter (../events/), so the stream never shows a caller
 * more than the list endpoints would.
 */
import type { ApiCaller } from './types.ts';

type Viewer = Pick<ApiCaller, 'admin' | 'subject' | 'principals'>;

/** Admins, the caller who asked, and every approver its rule names ('*' names everyone). */
export function canSeeApproval(
  caller: Viewer,
  request: { subject: string; approvers: readonly string[] },
): boolean {
  if (caller.admin || request.subject === caller.subject) return true;
  const mine = new Set(caller.principals);
  return request.approvers.some((a) => a === '*' || mine.has(a));
}

/** Admins and the job's own caller. */
export function ownsJob(caller: Pick<ApiCaller, 'admin' | 'subject'>, job: { subject: string }): boolean {
  return caller.admin || job.subject === caller.subject;
}
