/**
 * Jobs (/console/jobs): the asynchronous tool calls the signed-in subject may see (an admin: everyone's),
 * newest first, with a status filter kept in the URL (?status=), each job's status, formatted result or error,
 * and a cancel button for queued, waiting or running jobs (PUT /v1/jobs/{id} `{ status: 'cancelled' }`, the
 * JobUpdate schema, after a confirmation; a 409 says why it can no longer be cancelled). Live through `job`
 * events; "Show older jobs" follows the list's cursor.
 */
import type { Schema } from '@raku/client';
import { useCallback, useState } from 'react';
import type { ViewProps } from '../App.tsx';
import { errorMessage, unwrap, useApi, useSession } from '../api.ts';
import { useEvents } from '../events.ts';
import { useLoad } from '../load.ts';
import { useQueryState } from '../router.ts';
import { administersAny, rowTenant, showsTenants, tenantQuery } from '../tenancy.ts';
import { ConfirmDialog } from '../ui/ConfirmDialog.tsx';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { Link } from '../ui/Link.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { type Column, Table } from '../ui/Table.tsx';
import { TenantBadge, TenantFilter } from '../ui/TenantFilter.tsx';
import { TimeAgo } from '../ui/TimeAgo.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import '../ui/console-views.css';

type Job = Schema<'Job'>;
type JobStatus = Schema<'JobStatus'>;

const STATUS_TEXT: Record<JobStatus, string> = {
  queued: 'Queued',
  waiting_approval: 'Waiting for approval',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
const STATUSES = Object.keys(STATUS_TEXT) as JobStatus[];
const ACTIVE: ReadonlySet<JobStatus> = new Set(['queued', 'waiting_approval', 'running']);

function isStatus(value: string | null): value is JobStatus {
  return value !== null && value in STATUS_TEXT;
}

interface ContentPart {
  type?: unknown;
  text?: unknown;
  mimeType?: unknown;
  uri?: unknown;
}

/**
 * An MCP CallToolResult as a person reads it: text parts as they are, other parts named by their type, then
 * the structured content as indented JSON.
 */
function formatToolResult(result: unknown): string {
  if (result === null || result === undefined) return '';
  if (typeof result !== 'object') return String(result);
  const { content, structuredContent } = result as { content?: unknown; structuredContent?: unknown };
  const parts: string[] = [];
  if (Array.isArray(content)) {
    for (const part of content as ContentPart[]) {
      if (part?.type === 'text' && typeof part.text === 'string') parts.push(part.text);
      else if (typeof part?.uri === 'string') parts.push(`[${String(part.type)} ${part.uri}]`);
      else
        parts.push(
          `[${String(part?.type ?? 'unknown')} content${typeof part?.mimeType === 'string' ? `, ${part.mimeType}` : ''}]`,
        );
    }
  }
  if (structuredContent !== undefined) parts.push(JSON.stringify(structuredContent, null, 2));
  return parts.length > 0 ? parts.join('\n') : JSON.stringify(result, null, 2);
}

function ResultCell({ job }: { job: Job }) {
  if (job.error) return <span>Error: {job.error}</span>;
  if (job.result === null || job.result === undefined) {
    return <span className="muted">{ACTIVE.has(job.status) ? 'Not finished yet' : 'No result'}</span>;
  }
  const text = formatToolResult(job.result);
  const isError = (job.result as { isError?: unknown }).isError === true;
  const firstLine = text.split('\n', 1)[0] ?? '';
  return (
    <details className="job-result">
      <summary>
        {isError ? 'Tool error: ' : ''}
        {firstLine.length > 80 ? `${firstLine.slice(0, 80)}…` : firstLine || 'Show the result'}
      </summary>
      <pre className="json">{text}</pre>
    </details>
  );
}

/** The job replaced in place, or added at the top when new. */
function upsert(list: readonly Job[], job: Job): Job[] {
  const index = list.findIndex((j) => j.id === job.id);
  if (index === -1) return [job, ...list];
  const next = list.slice();
  next[index] = job;
  return next;
}

interface JobList {
  items: Job[];
  nextCursor: string | null;
}

export function JobsView(_props: ViewProps) {
  const api = useApi();
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const raw = query.get('status');
  const status = isStatus(raw) ? raw : undefined;
  const tenant = tenantQuery(session, 'jobs', query.get('tenant'));
  const [cancelling, setCancelling] = useState<Job | null>(null);
  const [busy, setBusy] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const [moreError, setMoreError] = useState<string>();

  const jobs = useLoad<JobList>(
    async (signal) =>
      unwrap(
        await api.GET('/v1/jobs', {
          params: { query: { limit: 50, ...(status ? { status } : {}), ...tenant } },
          signal,
        }),
      ),
    [api, status, tenant.tenant],
  );

  useEvents(['job'], (event) => {
    if (event.type === 'reset') {
      jobs.reload();
      return;
    }
    const job = event.data;
    if (tenant.tenant !== undefined && rowTenant(job) !== tenant.tenant) return;
    jobs.setData((list) => {
      if (!list) return list;
      const items =
        status && job.status !== status ? list.items.filter((j) => j.id !== job.id) : upsert(list.items, job);
      return { ...list, items };
    });
    setCancelling((current) => (current && current.id === job.id ? job : current));
  });

  async function showMore() {
    const cursor = jobs.data?.nextCursor;
    if (!cursor) return;
    try {
      const page = unwrap(
        await api.GET('/v1/jobs', {
          params: { query: { limit: 50, cursor, ...(status ? { status } : {}), ...tenant } },
        }),
      );
      setMoreError(undefined);
      jobs.setData((list) =>
        list
          ? {
              items: [...list.items, ...page.items.filter((j) => !list.items.some((k) => k.id === j.id))],
              nextCursor: page.nextCursor,
            }
          : list,
      );
    } catch (error) {
      setMoreError(`Older jobs could not be loaded: ${errorMessage(error)}`);
    }
  }

  const closeDialog = useCallback(() => {
    setCancelling(null);
    setCancelError(null);
  }, []);

  async function cancel() {
    if (!cancelling) return;
    setBusy(true);
    setCancelError(null);
    try {
      const job = unwrap(
        await api.PUT('/v1/jobs/{id}', {
          params: { path: { id: cancelling.id } },
          body: { status: 'cancelled' },
        }),
      );
      jobs.setData((list) => (list ? { ...list, items: upsert(list.items, job) } : list));
      setNotice(`Cancelled the job ${job.tool} (${job.id}).`);
      closeDialog();
    } catch (error) {
      const message = errorMessage(error);
      setCancelError(
        (error as { status?: number }).status === 409
          ? `It can no longer be cancelled: ${message}.`
          : `The job was not cancelled: ${message}.`,
      );
    } finally {
      setBusy(false);
    }
  }

  const columns: Column<Job>[] = [
    {
      header: 'Tool',
      cell: (job) => (
        <>
          <code>{job.tool}</code>
          <div className="muted small mono">{job.id}</div>
          {job.approvalId && job.status === 'waiting_approval' ? (
            <div className="small">
              <Link to="/approvals">Its approval request</Link>
            </div>
          ) : null}
        </>
      ),
    },
    {
      header: 'Status',
      kind: 'nowrap',
      cell: (job) => (
        <StatusBadge
          status={job.status === 'waiting_approval' ? 'waiting' : job.status}
          label={STATUS_TEXT[job.status]}
        />
      ),
    },
    ...(showsTenants(session) ? [{ header: 'Tenant', cell: (job: Job) => <TenantBadge row={job} /> }] : []),
    ...(administersAny(session) ? [{ header: 'Subject', cell: (job: Job) => job.subject }] : []),
    { header: 'Submitted', kind: 'nowrap', cell: (job) => <TimeAgo time={job.createdAt} /> },
    {
      header: 'Finished',
      kind: 'nowrap',
      cell: (job) => (job.finishedAt ? <TimeAgo time={job.finishedAt} /> : <span className="muted">–</span>),
    },
    { header: 'Result or error', cell: (job) => <ResultCell job={job} /> },
    {
      header: 'Actions',
      cell: (job) =>
        ACTIVE.has(job.status) ? (
          <button
            type="button"
            className="button button-small"
            aria-label={`Cancel the job ${job.tool} ${job.id}`}
            onClick={() => {
              setNotice('');
              setCancelling(job);
            }}
          >
            Cancel…
          </button>
        ) : null,
    },
  ];

  const items = jobs.data?.items;
  return (
    <section className="view jobs-view">
      <ViewHeader
        title="Jobs"
        subtitle={
          administersAny(session)
            ? session.admin
              ? 'Asynchronous tool calls of every subject, newest first.'
              : 'Asynchronous tool calls of every subject in the tenants you administer, and yours, newest first.'
            : 'Your asynchronous tool calls, newest first.'
        }
      />
      <div className="filters">
        <TenantFilter list="jobs" bare />
        <label className="field">
          Status
          <select
            value={status ?? ''}
            onChange={(event) => setQuery({ status: event.target.value || undefined })}
          >
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_TEXT[s]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="notice" role="status">
        {notice}
      </p>
      <ErrorBanner
        error={jobs.error && `The jobs could not be loaded: ${jobs.error}`}
        onRetry={jobs.reload}
      />
      {items === undefined && !jobs.error ? <p className="loading">Loading jobs…</p> : null}
      {items !== undefined && items.length === 0 ? (
        <Empty title={status ? `No job is ${STATUS_TEXT[status].toLowerCase()}.` : 'No jobs yet.'}>
          A tool call submitted with POST /v1/jobs, or one that waits for an approval after its agent left,
          appears here as soon as it is queued.
        </Empty>
      ) : null}
      {items !== undefined && items.length > 0 ? (
        <Table caption="Jobs, newest first" columns={columns} rows={items} rowKey={(job) => job.id} />
      ) : null}
      <ErrorBanner error={moreError} />
      {jobs.data?.nextCursor ? (
        <p>
          <button type="button" className="button" onClick={() => void showMore()}>
            Show older jobs
          </button>
        </p>
      ) : null}
      {cancelling ? (
        <ConfirmDialog
          title={`Cancel the job ${cancelling.tool}?`}
          confirmLabel="Cancel the job"
          danger
          busy={busy}
          error={
            cancelError ??
            (ACTIVE.has(cancelling.status)
              ? null
              : `It is ${STATUS_TEXT[cancelling.status].toLowerCase()} now, so it can no longer be cancelled.`)
          }
          onConfirm={() => void cancel()}
          onCancel={closeDialog}
        >
          <p>
            Job <code>{cancelling.id}</code> of {cancelling.subject} is{' '}
            {STATUS_TEXT[cancelling.status].toLowerCase()}. Cancelling aborts a running call; a cancelled job
            cannot be resumed.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
