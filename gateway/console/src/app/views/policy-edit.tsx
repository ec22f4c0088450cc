/**
 * The Edit tab: pick a policy file, edit its YAML, then "Preview" (POST /v1/changes/preview: the problems
 * `raku validate` would report and the access diff `raku plan` would show — who gains or loses which tool),
 * "Open pull request" (POST /v1/changes) or download the patch. The console never writes config in place: a
 * policy change leaves as a pull request a person reviews. `?file=&line=` (the Rules tab's file:line links)
 * open a file at a line.
 */

import type { Schema } from '@raku/client';
import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { api, errorMessage, unwrap } from '../api.ts';
import { useLoad } from '../load.ts';
import { useQueryState } from '../router.ts';
import { Empty } from '../ui/Empty.tsx';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { StatusBadge } from '../ui/StatusBadge.tsx';
import { type Column, Table } from '../ui/Table.tsx';
import { previewBase } from './change-base.ts';
import { lineRange, type PolicyOverview } from './policy-types.ts';

type Preview = Schema<'ChangePreview'>;
type PullRequest = Schema<'ChangePullRequest'>;
type AccessChange = Preview['access'][number];
type Diagnostic = Preview['diagnostics'][number];

const CHANGE_LABEL: Record<AccessChange['change'], string> = {
  gained: 'gains',
  lost: 'loses',
  'conditions-changed': 'changes conditions',
};

export function EditTab({ overview }: { overview: PolicyOverview | undefined }) {
  const id = useId();
  const [query, setQuery] = useQueryState();
  const files = overview?.files ?? [];
  const path = query.get('file') ?? files[0]?.path ?? '';
  const line = Number(query.get('line') ?? '0');
  const original = files.find((f) => f.path === path)?.content ?? null;
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const text = drafts[path] ?? original ?? '';
  const [title, setTitle] = useState('');
  const [preview, setPreview] = useState<Preview>();
  const [pull, setPull] = useState<PullRequest>();
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState<'preview' | 'pull'>();
  const area = useRef<HTMLTextAreaElement>(null);
  const repository = useLoad(
    async (signal) => unwrap(await api.GET('/v1/config-repository', { signal })),
    [],
  );

  // A file:line link selects that line once the file's text is there.
  useEffect(() => {
    const el = area.current;
    if (!el || !line || original === null) return;
    const [start, end] = lineRange(el.value, line);
    el.focus();
    el.setSelectionRange(start, end);
    const lineHeight = Number.parseFloat(getComputedStyle(el).lineHeight) || 20;
    el.scrollTop = Math.max(0, (line - 4) * lineHeight);
  }, [line, original]);

  const changed = original !== null && text !== original;
  const change = useMemo(
    () => ({
      title: title.trim() || `Policy: edit ${path}`,
      description: 'Proposed from the Raku console’s policy explorer.',
      files: [{ path, content: text }],
    }),
    [title, path, text],
  );

  if (!overview) return <p className="loading">Loading…</p>;
  if (overview.source !== 'repository' || files.every((f) => f.content === null))
    return (
      <Empty title="Policies cannot be edited here">
        This gateway has no config repository: edit the policy files in the repository and open a pull request
        there.
      </Empty>
    );

  const runPreview = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy('preview');
    setProblem(undefined);
    setPull(undefined);
    try {
      setPreview(unwrap(await api.POST('/v1/changes/preview', { body: change })));
    } catch (error) {
      setPreview(undefined);
      setProblem(errorMessage(error));
    } finally {
      setBusy(undefined);
    }
  };
  const openPull = async () => {
    setBusy('pull');
    setProblem(undefined);
    try {
      // What the preview showed the file as: the gateway refuses (409) if it changed on GitHub since.
      const body = preview ? { ...change, base: previewBase(preview) } : change;
      setPull(unwrap(await api.POST('/v1/changes', { body })));
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(undefined);
    }
  };
  const pullRequests = repository.data?.pullRequests;
  const previewCurrent = preview?.files[0]?.after === text && preview.files[0]?.path === path;

  return (
    <div className="policy-edit">
      <form className="panel" onSubmit={runPreview} aria-label="Edit a policy file">
        <div className="filters">
          <label className="field" htmlFor={`${id}-file`}>
            Policy file
            <select
              id={`${id}-file`}
              value={path}
              onChange={(event) => {
                setPreview(undefined);
                setPull(undefined);
                setQuery({ file: event.target.value, line: undefined });
              }}
            >
              {files.map((f) => (
                <option key={f.path} value={f.path}>
                  {f.path} {f.policy === null ? '(does not load)' : `(${f.policy})`}
                </option>
              ))}
            </select>
          </label>
          <label className="field field-wide" htmlFor={`${id}-title`}>
            Pull request title
            <input
              id={`${id}-title`}
              maxLength={200}
              value={title}
              placeholder={`Policy: edit ${path}`}
              onChange={(event) => setTitle(event.target.value)}
            />
          </label>
        </div>
        <label className="field" htmlFor={`${id}-yaml`}>
          <span>
            {path} {changed ? <span className="badge badge-busy">edited</span> : null}
          </span>
          <textarea
            id={`${id}-yaml`}
            ref={area}
            className="mono yaml-editor"
            rows={Math.min(30, Math.max(8, text.split('\n').length + 2))}
            spellCheck={false}
            value={text}
            onChange={(event) => {
              const value = event.target.value;
              setDrafts((d) => ({ ...d, [path]: value }));
            }}
          />
        </label>
        <div className="filter-actions">
          <button type="submit" className="button button-primary" disabled={!changed || busy !== undefined}>
            {busy === 'preview' ? 'Previewing…' : 'Preview'}
          </button>
          <button
            type="button"
            className="button"
            disabled={!changed}
            onClick={() => {
              setDrafts((d) => {
                const { [path]: _, ...rest } = d;
                return rest;
              });
              setPreview(undefined);
              setPull(undefined);
            }}
          >
            Discard edits
          </button>
        </div>
      </form>
      <ErrorBanner error={problem} />
      {preview ? (
        <section className="change-preview" aria-label="Change preview">
          <h2>
            Preview{' '}
            <StatusBadge
              status={preview.valid ? 'ok' : 'invalid'}
              label={preview.valid ? 'valid' : 'has errors'}
            />
          </h2>
          {!previewCurrent ? (
            <p className="notice">
              The text changed since this preview: preview again before opening a pull request.
            </p>
          ) : null}
          <Diagnostics diagnostics={preview.diagnostics} />
          <AccessDiff changes={preview.access} valid={preview.valid} />
          <details className="patch-details">
            <summary>Patch ({preview.patch.split('\n').length} lines)</summary>
            <pre className="json">{preview.patch}</pre>
          </details>
          <div className="filter-actions">
            <button
              type="button"
              className="button button-primary"
              disabled={
                !preview.valid || !previewCurrent || busy !== undefined || pullRequests?.enabled === false
              }
              onClick={openPull}
            >
              {busy === 'pull' ? 'Opening…' : 'Open pull request'}
            </button>
            <PatchDownload patch={preview.patch} name={path} />
          </div>
          {pullRequests?.enabled === false ? (
            <p className="muted small">Pull requests are off: {pullRequests.reason}</p>
          ) : null}
          {pull ? (
            <p className="notice" role="status">
              {pull.created ? 'Opened' : 'Already open:'} pull request{' '}
              <a href={pull.url} target="_blank" rel="noreferrer">
                #{pull.number}
              </a>{' '}
              on branch <code>{pull.branch}</code>.
            </p>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}

function Diagnostics({ diagnostics }: { diagnostics: Diagnostic[] }) {
  if (diagnostics.length === 0)
    return (
      <p>
        No problems: <code>raku validate</code> would pass.
      </p>
    );
  const columns: Column<Diagnostic>[] = [
    {
      header: 'Severity',
      kind: 'nowrap',
      cell: (d) => <StatusBadge status={d.severity === 'error' ? 'error' : 'pending'} label={d.severity} />,
    },
    { header: 'Where', kind: 'nowrap', cell: (d) => <code>{`${d.file}:${d.line}:${d.column}`}</code> },
    { header: 'Problem', cell: (d) => `${d.message} (${d.rule})` },
  ];
  return (
    <Table
      caption="What raku validate would report"
      showCaption
      columns={columns}
      rows={diagnostics}
      rowKey={(d) => `${d.file}:${d.line}:${d.column}:${d.rule}:${d.message}`}
    />
  );
}

function AccessDiff({ changes, valid }: { changes: AccessChange[]; valid: boolean }) {
  if (!valid) return <p className="muted">No access diff: the changed config has errors.</p>;
  if (changes.length === 0) return <p>Nobody gains or loses access to any tool.</p>;
  // With tenants the diff is per tenant (the same subject and tool may change in several): say whose callers.
  const tenanted = changes.some((c) => c.tenant !== undefined);
  const columns: Column<AccessChange>[] = [
    ...(tenanted
      ? [
          {
            header: 'Tenant',
            kind: 'nowrap',
            cell: (c: AccessChange) => c.tenant ?? '',
          } satisfies Column<AccessChange>,
        ]
      : []),
    { header: 'Environment', kind: 'nowrap', cell: (c) => c.environment },
    { header: 'Subject', kind: 'nowrap', cell: (c) => <code>{c.subject}</code> },
    {
      header: 'Change',
      kind: 'nowrap',
      cell: (c) => (
        <StatusBadge
          status={c.change === 'gained' ? 'ok' : c.change === 'lost' ? 'error' : 'pending'}
          label={CHANGE_LABEL[c.change]}
        />
      ),
    },
    { header: 'Tool', kind: 'nowrap', cell: (c) => <code>{c.tool}</code> },
    {
      header: 'Access',
      cell: (c) =>
        c.change === 'conditions-changed' ? (
          <>
            <div>before: {c.before}</div>
            <div>after: {c.after}</div>
          </>
        ) : (
          (c.after ?? c.before)
        ),
    },
    { header: 'Zones', cell: (c) => c.zones.join(', ') },
  ];
  return (
    <Table
      caption="Access diff (as raku plan shows it)"
      showCaption
      columns={columns}
      rows={changes}
      rowKey={(c) => `${c.tenant ?? ''}:${c.environment}:${c.subject}:${c.tool}:${c.change}`}
    />
  );
}

function PatchDownload({ patch, name }: { patch: string; name: string }) {
  const url = useMemo(() => URL.createObjectURL(new Blob([patch], { type: 'text/x-patch' })), [patch]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  const file = `${name.replace(/^policies\//, '').replace(/\.ya?ml$/, '')}.patch`;
  return (
    <a className="button" href={url} download={file}>
      Download patch
    </a>
  );
}
