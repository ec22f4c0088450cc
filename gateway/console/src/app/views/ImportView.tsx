/**
 * Import API (/console/import, admins): an OpenAPI document to a pack pull request, as `raku import openapi`
 * computes it. 1. the document (file, pasted text or URL) → POST /v1/imports/openapi/analysis; 2. its
 * operations (virtualised list: select, rename, describe, mark sensitive); optionally AI suggestions as a diff
 * to accept or reject; 3. target zone and draft role → POST /v1/imports/openapi/draft, shown as a change
 * preview (files, diagnostics, access and contract diffs); 4. POST /v1/changes opens the pull request, or the
 * patch is downloaded. GitOps stays the rule: nothing is written in place, the pull request is reviewed.
 */
import type { Schema } from '@raku/client';
import { useId, useMemo, useRef, useState } from 'react';
import { ApiError, api, errorMessage, unwrap } from '../api.ts';
import { useLoad } from '../load.ts';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import '../ui/import.css';
import { previewBase } from './change-base.ts';
import { SuggestionsPanel } from './import-ai.tsx';
import {
  draftOperations,
  type Edits,
  editOperation,
  initialEdits,
  type OperationFilter,
  parseSubjects,
  selectionCounts,
  subjectsProblem,
} from './import-edits.ts';
import { OperationDetail, OperationList } from './import-operations.tsx';
import { DraftPreview, downloadPatch } from './import-preview.tsx';
import { formatBytes, SourceForm, type SourceInput } from './import-source.tsx';
import { applySuggestions, type SuggestionItem } from './import-suggestions.ts';

type Analysis = Schema<'ImportAnalysis'>;
type Draft = Schema<'ImportDraft'>;
type Suggestions = Schema<'ImportSuggestions'>;
type PullRequest = Schema<'ChangePullRequest'>;

interface Setup {
  capabilities: Schema<'ImportCapabilities'>;
  zones: string[];
  /** null: the gateway has no config repository (404). */
  repository: Schema<'ConfigRepositoryStatus'> | null;
}

async function loadSetup(signal: AbortSignal): Promise<Setup> {
  const [capabilities, zones, repository] = await Promise.all([
    api.GET('/v1/imports/capabilities', { signal }).then(unwrap),
    api.GET('/v1/zones', { signal }).then(unwrap),
    api.GET('/v1/config-repository', { signal }).then((result) => {
      if (result.response.status === 404) return null;
      return unwrap(result);
    }),
  ]);
  return { capabilities, zones: zones.zones.map((z) => z.name), repository };
}

export function ImportView(_props: { params: Record<string, string> }) {
  const id = useId();
  const setup = useLoad(loadSetup, []);

  const [analysing, setAnalysing] = useState<{ bytes: number } | null>(null);
  const [analysisError, setAnalysisError] = useState<string>();
  const [analysis, setAnalysis] = useState<{ source: SourceInput; result: Analysis } | null>(null);
  const [edits, setEdits] = useState<Edits>({});
  const [filter, setFilter] = useState<OperationFilter>({ text: '', tag: '' });
  const [focused, setFocused] = useState<string | null>(null);

  const [zone, setZone] = useState('');
  const [roleName, setRoleName] = useState('');
  const [roleSubjects, setRoleSubjects] = useState('');
  const [drafting, setDrafting] = useState(false);
  const [draftError, setDraftError] = useState<string>();
  const [draft, setDraft] = useState<{ result: Draft; key: string } | null>(null);

  const [suggesting, setSuggesting] = useState(false);
  const [suggestError, setSuggestError] = useState<string>();
  const [suggestions, setSuggestions] = useState<Suggestions | null>(null);
  const [rejected, setRejected] = useState<ReadonlySet<string>>(new Set());

  const [title, setTitle] = useState('');
  const [opening, setOpening] = useState(false);
  const [prError, setPrError] = useState<string>();
  const [pullRequest, setPullRequest] = useState<PullRequest | null>(null);
  const resultHeading = useRef<HTMLHeadingElement>(null);

  const analyse = async (source: SourceInput, bytes: number) => {
    setAnalysing({ bytes });
    setAnalysisError(undefined);
    // A new document replaces the last one at once: a failed analysis must not leave the old one to be proposed.
    setAnalysis(null);
    setDraft(null);
    setDraftError(undefined);
    setSuggestions(null);
    setSuggestError(undefined);
    setPullRequest(null);
    setPrError(undefined);
    setTitle('');
    try {
      const result = unwrap(await api.POST('/v1/imports/openapi/analysis', { body: source }));
      setAnalysis({ source, result });
      setEdits(initialEdits(result.operations));
      setFilter({ text: '', tag: '' });
      setFocused(null);
      setRejected(new Set());
      // Land keyboard and screen-reader users on what the analysis found.
      requestAnimationFrame(() => resultHeading.current?.focus());
    } catch (error) {
      setAnalysisError(errorMessage(error));
    } finally {
      setAnalysing(null);
    }
  };

  const operations = analysis?.result.operations ?? [];
  const counts = selectionCounts(edits);
  const roleProblem = roleName.trim() ? subjectsProblem(parseSubjects(roleSubjects)) : null;
  const draftRequest = useMemo(() => {
    if (!analysis) return null;
    return {
      source: analysis.source,
      operations: draftOperations(analysis.result.operations, edits),
      ...(zone ? { zone } : {}),
      ...(roleName.trim() ? { role: { name: roleName.trim(), subjects: parseSubjects(roleSubjects) } } : {}),
    };
  }, [analysis, edits, zone, roleName, roleSubjects]);
  // The shown draft is of these edits and target only while nothing changed since: else the PR waits for a new preview.
  const draftKey = draftRequest ? JSON.stringify({ ...draftRequest, source: undefined }) : '';
  const stale = draft !== null && draft.key !== draftKey;

  const preview = async () => {
    if (!draftRequest) return;
    setDrafting(true);
    setDraftError(undefined);
    setPullRequest(null);
    try {
      const result = unwrap(await api.POST('/v1/imports/openapi/draft', { body: draftRequest }));
      setDraft({ result, key: draftKey });
      if (!title) setTitle(`Import ${result.pack.name} ${result.pack.version} (${result.pack.tools} tools)`);
    } catch (error) {
      setDraft(null);
      setDraftError(errorMessage(error));
    } finally {
      setDrafting(false);
    }
  };

  const suggest = async () => {
    if (!analysis) return;
    setSuggesting(true);
    setSuggestError(undefined);
    try {
      // The model reviews what the person has selected now (without a selection, the gateway takes the CLI's).
      const selected = draftOperations(analysis.result.operations, edits).map((op) => op.id);
      const body = { source: analysis.source, ...(selected.length ? { operations: selected } : {}) };
      setSuggestions(unwrap(await api.POST('/v1/imports/openapi/suggestions', { body })));
      setRejected(new Set());
    } catch (error) {
      setSuggestError(errorMessage(error));
    } finally {
      setSuggesting(false);
    }
  };

  const openPullRequest = async () => {
    if (!draft || stale) return;
    setOpening(true);
    setPrError(undefined);
    try {
      const { pack } = draft.result;
      const description = [
        `Imports ${pack.name} ${pack.version} (${pack.tools} tools) from the OpenAPI document ` +
          `"${analysis?.result.title ?? pack.name}" ${analysis?.result.version ?? ''} (sha256 ${analysis?.result.documentSha256 ?? 'unknown'}).`,
        '',
        'Opened from the Raku console (Import API).',
      ].join('\n');
      setPullRequest(
        unwrap(
          await api.POST('/v1/changes', {
            // What the preview showed each file as: the gateway refuses (409) if one changed on GitHub since.
            body: { title, description, files: draft.result.files, base: previewBase(draft.result.preview) },
          }),
        ),
      );
    } catch (error) {
      setPrError(error instanceof ApiError ? `${error.message} (${error.code})` : errorMessage(error));
    } finally {
      setOpening(false);
    }
  };

  const focusedOp = focused ? operations.find((op) => op.id === focused) : undefined;
  const setupData = setup.data;
  const pr = setupData?.repository?.pullRequests;

  return (
    <section className="view import-view">
      <ViewHeader
        title="Import API"
        subtitle="An OpenAPI document to a pack, proposed as a pull request on the config repository."
      />
      <ErrorBanner error={setup.error} onRetry={setup.reload} />
      {!setupData ? (
        setup.loading ? (
          <p className="loading">Loading…</p>
        ) : null
      ) : (
        <>
          <SourceForm
            fetchUrls={setupData.capabilities.fetchUrls}
            maxDocumentBytes={setupData.capabilities.maxDocumentBytes}
            busy={analysing !== null}
            onAnalyse={analyse}
          />
          {analysing ? (
            <p className="import-busy" role="status">
              <span className="spinner" aria-hidden="true" />
              Analysing{' '}
              {analysing.bytes ? `${formatBytes(analysing.bytes)} of OpenAPI` : 'the document at the URL'}…
            </p>
          ) : null}
          <ErrorBanner error={analysisError} />

          {analysis ? (
            <>
              <section className="panel" aria-labelledby={`${id}-ops`}>
                <h2 id={`${id}-ops`} className="panel-title" ref={resultHeading} tabIndex={-1}>
                  2. Operations of {analysis.result.title} {analysis.result.version}
                </h2>
                <AnalysisSummary
                  analysis={analysis.result}
                  selected={counts.selected}
                  sensitive={counts.sensitive}
                />
                <div className="import-ops-layout">
                  <OperationList
                    operations={operations}
                    edits={edits}
                    onEdits={setEdits}
                    filter={filter}
                    onFilter={setFilter}
                    focused={focused}
                    onFocus={(opId) => setFocused(focused === opId ? null : opId)}
                  />
                  {focusedOp ? (
                    <OperationDetail
                      op={focusedOp}
                      edit={edits[focusedOp.id]}
                      onEdit={(patch) => setEdits(editOperation(edits, focusedOp.id, patch))}
                    />
                  ) : (
                    <p className="muted import-detail-hint">
                      Press Details on an operation to see and edit it here.
                    </p>
                  )}
                </div>
              </section>

              {setupData.capabilities.ai.enabled ? (
                <section className="panel" aria-labelledby={`${id}-ai`}>
                  <h2 id={`${id}-ai`} className="panel-title">
                    AI suggestions
                  </h2>
                  <p>
                    <button type="button" className="button" onClick={suggest} disabled={suggesting}>
                      Suggest with AI
                    </button>
                    {suggesting ? (
                      <span className="import-busy" role="status">
                        <span className="spinner" aria-hidden="true" /> Asking{' '}
                        {setupData.capabilities.ai.provider ?? 'the model'}…
                      </span>
                    ) : null}
                  </p>
                  <ErrorBanner error={suggestError} />
                  {suggestions ? (
                    <SuggestionsPanel
                      suggestions={suggestions}
                      edits={edits}
                      rejected={rejected}
                      onAccept={(items: SuggestionItem[]) => setEdits(applySuggestions(edits, items))}
                      onReject={(item) => setRejected(new Set([...rejected, item.key]))}
                      onUseRole={(role) => {
                        setRoleName(role.name);
                        setRoleSubjects(role.subjects.join(', '));
                      }}
                    />
                  ) : null}
                </section>
              ) : null}

              <section className="panel" aria-labelledby={`${id}-target`}>
                <h2 id={`${id}-target`} className="panel-title">
                  3. Target and preview
                </h2>
                <div className="filters">
                  <label className="field">
                    Add to zone
                    <select value={zone} onChange={(event) => setZone(event.target.value)}>
                      <option value="">No zone (pack only)</option>
                      {setupData.zones.map((z) => (
                        <option key={z} value={z}>
                          {z}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="field">
                    Draft role name (optional)
                    <input value={roleName} onChange={(event) => setRoleName(event.target.value)} />
                  </label>
                  <label className="field">
                    Role subjects (comma-separated)
                    <input
                      className="import-subjects-input"
                      value={roleSubjects}
                      onChange={(event) => setRoleSubjects(event.target.value)}
                      placeholder="group:pet-team, user:ada"
                      disabled={!roleName.trim()}
                    />
                  </label>
                  <button
                    type="button"
                    className="button button-primary"
                    onClick={preview}
                    disabled={drafting || counts.selected === 0 || roleProblem !== null}
                  >
                    Preview
                  </button>
                </div>
                {counts.selected === 0 ? (
                  <p className="muted">Select at least one operation to preview.</p>
                ) : null}
                {roleProblem ? <p className="error-text">{roleProblem}</p> : null}
                {drafting ? (
                  <p className="import-busy" role="status">
                    <span className="spinner" aria-hidden="true" /> Building the pack and validating the
                    change…
                  </p>
                ) : null}
                <ErrorBanner error={draftError} />
                {draft ? (
                  <>
                    {stale ? (
                      <p className="import-stale" role="status">
                        The selection or target changed since this preview: preview again before opening a
                        pull request.
                      </p>
                    ) : null}
                    <DraftPreview draft={draft.result} />
                  </>
                ) : null}
              </section>

              {draft ? (
                <section className="panel" aria-labelledby={`${id}-pr`}>
                  <h2 id={`${id}-pr`} className="panel-title">
                    4. Pull request
                  </h2>
                  <div className="filters">
                    {pr?.enabled ? (
                      <>
                        <label className="field">
                          Pull request title
                          <input
                            className="import-title-input"
                            value={title}
                            maxLength={200}
                            onChange={(event) => setTitle(event.target.value)}
                          />
                        </label>
                        <button
                          type="button"
                          className="button button-primary"
                          onClick={openPullRequest}
                          disabled={opening || stale || !draft.result.preview.valid || !title.trim()}
                        >
                          Open pull request
                        </button>
                      </>
                    ) : null}
                    <button
                      type="button"
                      className="button"
                      onClick={() => downloadPatch(draft.result.pack.name, draft.result.preview.patch)}
                      disabled={stale}
                    >
                      Download patch
                    </button>
                  </div>
                  {!pr?.enabled ? (
                    <p className="muted">
                      Pull requests are off:{' '}
                      {setupData.repository
                        ? (pr?.reason ?? 'the gateway gives no reason')
                        : 'this gateway has no config repository'}
                      . Download the patch and apply it with <code>git apply</code> in the config repository.
                    </p>
                  ) : !draft.result.preview.valid ? (
                    <p className="error-text">The change does not validate: fix the errors above first.</p>
                  ) : null}
                  {opening ? (
                    <p className="import-busy" role="status">
                      <span className="spinner" aria-hidden="true" /> Opening the pull request…
                    </p>
                  ) : null}
                  <ErrorBanner error={prError} />
                  {pullRequest ? (
                    <p className="notice" role="status">
                      {pullRequest.created ? 'Pull request opened: ' : 'This change is already open as '}
                      <a href={pullRequest.url} target="_blank" rel="noreferrer">
                        #{pullRequest.number}
                      </a>{' '}
                      on branch <span className="mono">{pullRequest.branch}</span>.
                    </p>
                  ) : null}
                </section>
              ) : null}
            </>
          ) : null}
        </>
      )}
    </section>
  );
}

function AnalysisSummary(props: { analysis: Analysis; selected: number; sensitive: number }) {
  const { analysis } = props;
  return (
    <>
      <dl className="details import-summary">
        <dt>Format</dt>
        <dd>{analysis.format}</dd>
        <dt>Pack</dt>
        <dd>
          <span className="mono">{analysis.pack.name}</span>{' '}
          {analysis.existingPack ? (
            <span className="muted">(version set by the preview: the contract diff decides the bump)</span>
          ) : (
            analysis.pack.version
          )}
          {analysis.pack.baseUrl ? (
            <>
              {' '}
              at <span className="mono">{analysis.pack.baseUrl}</span>
            </>
          ) : (
            <span className="muted"> (no base URL: give one above)</span>
          )}
        </dd>
        <dt>Operations</dt>
        <dd>
          {analysis.counts.operations} in the document, {analysis.counts.importable} importable,{' '}
          {analysis.counts.skipped} skipped; <strong>{props.selected} selected</strong>, {props.sensitive} of
          them sensitive
        </dd>
        <dt>Authentication</dt>
        <dd>
          {analysis.authSchemes.length === 0 ? (
            <span className="muted">none declared</span>
          ) : (
            analysis.authSchemes.map((s) => (
              <span key={s.name} className="import-auth">
                <span className="mono">{s.name}</span> ({s.type}){s.description ? `: ${s.description}` : ''}
              </span>
            ))
          )}
        </dd>
        {analysis.existingPack ? (
          <>
            <dt>Existing pack</dt>
            <dd>
              {analysis.existingPack.name} {analysis.existingPack.version} is already in the repository
              {analysis.existingPack.zones.length
                ? `, served in ${analysis.existingPack.zones.join(', ')}`
                : ''}
              : the preview shows the contract diff against it.
            </dd>
          </>
        ) : null}
      </dl>
      <Warnings warnings={analysis.warnings} />
    </>
  );
}

/** The importer's warnings: a few in full, many (a large API has one per reduced schema) folded. */
function Warnings({ warnings }: { warnings: readonly string[] }) {
  if (warnings.length === 0) return null;
  const list = (
    <ul className="import-warnings">
      {warnings.map((w) => (
        <li key={w}>{w}</li>
      ))}
    </ul>
  );
  if (warnings.length <= 5) return list;
  return (
    <details className="import-warnings-folded">
      <summary>{warnings.length.toLocaleString('en-GB')} warnings from the importer</summary>
      {list}
    </details>
  );
}
