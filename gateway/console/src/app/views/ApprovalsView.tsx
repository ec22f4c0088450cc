/**
 * Approvals inbox (/console/approvals): the requests the signed-in subject may decide, pending first (soonest
 * to expire first), each with exactly what will be sent (ArgsView: masked and truncated values marked, the
 * argsHash), approve or deny with a reason after a confirmation. The decision carries the argsHash that was
 * shown, so a call whose arguments changed is refused (409 args_mismatch), and the refusal is shown with the
 * request reloaded. Below, the subject's own requests waiting for someone else. Live through `approval` events.
 *
 * GET /v1/approvals gives a non-admin what it may decide (never its own calls: four eyes); its own pending
 * requests come from GET /v1/approvals?mine=true. Both stay current through `approval` events. On a gateway
 * with tenants each request names its tenant, and a caller reading several filters by one (`?tenant=`).
 */
import type { Schema } from '@raku/client';
import { useCallback, useId, useState } from 'react';
import type { ViewProps } from '../App.tsx';
import { ApiError, errorMessage, unwrap, useApi, useSession } from '../api.ts';
import { useEvents } from '../events.ts';
import { useLoad } from '../load.ts';
import { useQueryState } from '../router.ts';
import { rowTenant, showsTenants, tenantQuery } from '../tenancy.ts';
import { ArgsView } from '../ui/ArgsView.tsx';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Link } from '../ui/Link.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { TenantBadge, TenantFilter } from '../ui/TenantFilter.tsx';
import { TimeAgo } from '../ui/TimeAgo.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import '../ui/console-views.css';

type Approval = Schema<'Approval'>;

const STATUS_TEXT: Record<Approval['status'], string> = {
  pending: 'Pending',
  approved: 'Approved',
  rejected: 'Denied',
  expired: 'Expired',
  withdrawn: 'Withdrawn',
};

/** Decided requests shown under the pending ones. */
const RECENT = 20;

/** Pending first (soonest to expire first), then the rest newest first. */
function inboxOrder(a: Approval, b: Approval): number {
  const pa = a.status === 'pending' ? 0 : 1;
  const pb = b.status === 'pending' ? 0 : 1;
  if (pa !== pb) return pa - pb;
  if (pa === 0) return a.expiresAt.localeCompare(b.expiresAt);
  return b.createdAt.localeCompare(a.createdAt);
}

function upsert(list: readonly Approval[], item: Approval): Approval[] {
  return [item, ...list.filter((a) => a.id !== item.id)];
}

/** A refused decision, worded for the approver: each 409 says what changed. */
function decisionError(error: unknown): string {
  const message = errorMessage(error);
  const code = error instanceof ApiError ? error.code : undefined;
  if (code === 'args_mismatch')
    return `Refused: the call's arguments are no longer the ones you were shown (${message}). The request below is reloaded: review it again before deciding.`;
  if (code === 'expired') return `Refused: the request expired before your decision (${message}).`;
  if (code === 'not_pending') return `Refused: the request was already decided (${message}).`;
  if (code === 'forbidden') return `Refused: you may not decide this request (${message}).`;
  return `The decision was not recorded: ${message}.`;
}

function RequestCard({
  request,
  onDecide,
}: {
  request: Approval;
  onDecide?: (request: Approval, approve: boolean) => void;
}) {
  const headingId = useId();
  const session = useSession();
  return (
    <article className="panel approval" aria-labelledby={headingId}>
      <h3 id={headingId} className="approval-title">
        <StatusBadge status={request.status} label={STATUS_TEXT[request.status]} />{' '}
        <code>{request.tool}</code> called by {request.subject}
        {showsTenants(session) ? (
          <>
            {' '}
            in <TenantBadge row={request} />
          </>
        ) : null}
      </h3>
      <dl className="details">
        <dt>Rule</dt>
        <dd>{request.rule}</dd>
        <dt>Approvers</dt>
        <dd>{request.approvers.join(', ')}</dd>
        <dt>Asked</dt>
        <dd>
          <TimeAgo time={request.createdAt} />
        </dd>
        <dt>{request.status === 'pending' ? 'Expires' : 'Expiry was'}</dt>
        <dd>
          <TimeAgo time={request.expiresAt} />
        </dd>
        {request.decidedBy ? (
          <>
            <dt>Decided</dt>
            <dd>
              <TimeAgo time={request.decidedAt} /> by {request.decidedBy}
              {request.reason ? `: “${request.reason}”` : ''}
            </dd>
          </>
        ) : null}
        <dt>Config revision</dt>
        <dd>
          <code>{request.revision ?? 'unknown'}</code>
        </dd>
        <dt>Arguments hash</dt>
        <dd>
          <code>{request.argsHash ?? 'not recorded'}</code>
        </dd>
        {request.jobId ? (
          <>
            <dt>Job</dt>
            <dd>
              <Link to="/jobs">
                <code>{request.jobId}</code>
              </Link>
            </dd>
          </>
        ) : null}
      </dl>
      {request.status === 'pending' ? (
        <>
          <h4>What will be sent</h4>
          <ArgsView
            args={request.args}
            maskedPaths={request.maskedPaths ?? []}
            truncated={request.truncated ?? []}
            label={`Arguments of ${request.tool} for ${request.subject}, request ${request.id}`}
          />
        </>
      ) : (
        <details>
          <summary>Arguments</summary>
          <ArgsView
            args={request.args}
            maskedPaths={request.maskedPaths ?? []}
            truncated={request.truncated ?? []}
            label={`Arguments of ${request.tool} for ${request.subject}, request ${request.id}`}
          />
        </details>
      )}
      {onDecide && request.status === 'pending' ? (
        <div className="view-actions">
          <button
            type="button"
            className="button button-primary"
            aria-label={`Approve ${request.tool} called by ${request.subject}…`}
            onClick={() => onDecide(request, true)}
          >
            Approve…
          </button>
          <button
            type="button"
            className="button button-danger"
            aria-label={`Deny ${request.tool} called by ${request.subject}…`}
            onClick={() => onDecide(request, false)}
          >
            Deny…
          </button>
        </div>
      ) : null}
    </article>
  );
}

interface Asking {
  request: Approval;
  approve: boolean;
}

export function ApprovalsView(_props: ViewProps) {
  const api = useApi();
  const session = useSession();
  const [asking, setAsking] = useState<Asking | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [decideError, setDecideError] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const reasonId = useId();
  const [query] = useQueryState();
  const tenant = tenantQuery(session, 'approvals', query.get('tenant'));

  const requests = useLoad<Approval[]>(
    async (signal) => {
      const [pending, recent, own] = await Promise.all([
        api.GET('/v1/approvals', {
          params: { query: { status: 'pending', limit: 200, ...tenant } },
          signal,
        }),
        api.GET('/v1/approvals', { params: { query: { limit: RECENT, ...tenant } }, signal }),
        api.GET('/v1/approvals', {
          params: { query: { status: 'pending', mine: true, limit: 200, ...tenant } },
          signal,
        }),
      ]);
      const byId = new Map<string, Approval>();
      for (const item of [...unwrap(recent).items, ...unwrap(pending).items, ...unwrap(own).items])
        byId.set(item.id, item);
      return [...byId.values()];
    },
    [api, tenant.tenant],
  );

  useEvents(['approval'], (event) => {
    if (event.type === 'reset') {
      requests.reload();
      return;
    }
    const request = event.data;
    if (tenant.tenant !== undefined && rowTenant(request) !== tenant.tenant) return;
    requests.setData((list) => (list ? upsert(list, request) : list));
    setAsking((current) =>
      current && current.request.id === request.id ? { ...current, request } : current,
    );
  });

  const closeDialog = useCallback(() => {
    setAsking(null);
    setReason('');
    setDecideError(null);
  }, []);

  async function decide() {
    if (!asking) return;
    const { request, approve } = asking;
    setBusy(true);
    setDecideError(null);
    try {
      const decided = unwrap(
        await api.POST('/v1/approvals/{id}/decision', {
          params: { path: { id: request.id } },
          body: {
            approve,
            ...(reason.trim() ? { reason: reason.trim() } : {}),
            ...(request.argsHash ? { argsHash: request.argsHash } : {}),
          },
        }),
      );
      requests.setData((list) => (list ? upsert(list, decided) : list));
      setNotice(`${approve ? 'Approved' : 'Denied'} ${decided.tool} called by ${decided.subject}.`);
      closeDialog();
    } catch (error) {
      setDecideError(decisionError(error));
      // Show the request as it is now (other arguments, decided by someone else, expired).
      const fresh = await api
        .GET('/v1/approvals/{id}', { params: { path: { id: request.id } } })
        .catch(() => null);
      const current = fresh?.data;
      if (current) {
        requests.setData((list) => (list ? upsert(list, current) : list));
        setAsking((a) => (a && a.request.id === current.id ? { ...a, request: current } : a));
      }
    } finally {
      setBusy(false);
    }
  }

  const all = requests.data;
  const inbox = (all ?? []).filter((a) => a.subject !== session.subject).sort(inboxOrder);
  const mine = (all ?? [])
    .filter((a) => a.subject === session.subject && a.status === 'pending')
    .sort(inboxOrder);
  const pendingCount = inbox.filter((a) => a.status === 'pending').length;
  const stale = asking && asking.request.status !== 'pending';

  return (
    <section className="view approvals-view">
      <ViewHeader
        title="Approvals"
        subtitle={
          all === undefined
            ? 'Calls waiting for an approver.'
            : `${pendingCount === 0 ? 'Nothing' : pendingCount} pending for you to decide.`
        }
      />
      <TenantFilter list="approvals" />
      <p className="notice" role="status">
        {notice}
      </p>
      <ErrorBanner
        error={requests.error && `The approval requests could not be loaded: ${requests.error}`}
        onRetry={requests.reload}
      />
      <section aria-labelledby="inbox-title">
        <h2 id="inbox-title">For you to decide</h2>
        {all === undefined && !requests.error ? <p className="loading">Loading approval requests…</p> : null}
        {all !== undefined && inbox.length === 0 ? (
          <Empty title="Nothing to decide.">
            A call matched by an approval rule that names you (or one of your groups) as an approver appears
            here as soon as it is made.
          </Empty>
        ) : null}
        {inbox.map((request) => (
          <RequestCard
            key={request.id}
            request={request}
            onDecide={(r, approve) => {
              setNotice('');
              setAsking({ request: r, approve });
            }}
          />
        ))}
      </section>
      <section aria-labelledby="mine-title">
        <h2 id="mine-title">Your requests waiting for an approver</h2>
        {all !== undefined && mine.length === 0 ? (
          <Empty title="None of your calls is waiting for an approval.">
            A call of yours that needs an approval appears here until it is decided.
          </Empty>
        ) : null}
        {mine.map((request) => (
          <RequestCard key={request.id} request={request} />
        ))}
      </section>
      {asking ? (
        <ConfirmDialog
          title={`${asking.approve ? 'Approve' : 'Deny'} ${asking.request.tool} called by ${asking.request.subject}?`}
          confirmLabel={asking.approve ? 'Approve the call' : 'Deny the call'}
          danger={!asking.approve}
          busy={busy}
          canConfirm={!stale}
          error={
            decideError ??
            (stale
              ? `This request is ${STATUS_TEXT[asking.request.status].toLowerCase()} now: there is nothing left to decide.`
              : null)
          }
          onConfirm={() => void decide()}
          onCancel={closeDialog}
        >
          <p>
            {asking.approve
              ? 'The call runs with exactly these arguments, and only with them (hash '
              : 'The caller is refused the call with these arguments (hash '}
            <code>{asking.request.argsHash ?? 'not recorded'}</code>).
          </p>
          <ArgsView
            args={asking.request.args}
            maskedPaths={asking.request.maskedPaths ?? []}
            truncated={asking.request.truncated ?? []}
            label="Arguments you are deciding on"
          />
          <div className="field">
            <label htmlFor={reasonId}>Reason (optional, kept with the decision)</label>
            <textarea
              id={reasonId}
              value={reason}
              maxLength={1000}
              rows={3}
              onChange={(event) => setReason(event.target.value)}
            />
          </div>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
