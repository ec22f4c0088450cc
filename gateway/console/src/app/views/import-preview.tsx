/**
 * Steps 3 and 4 of the Import view: the draft the gateway built (pack YAML, zone edit, policy) shown as a
 * per-file diff of its change preview, the validation diagnostics (errors block the pull request), the access
 * diff `raku plan` would show, the contract diff against an existing pack; then "Open pull request" and
 * "Download patch".
 */
import { type ReactNode, useMemo } from 'react';
import { type FilePatch, patchStats, splitPatch } from './import-patch.ts';

export interface PreviewDiagnostic {
  file: string;
  line?: number | null;
  column?: number | null;
  path?: string | null;
  rule?: string | null;
  message: string;
  severity: string;
}

export interface PreviewAccessChange {
  environment: string;
  subject: string;
  tool: string;
  change: string;
  before?: string;
  after?: string;
  zones: string[];
}

export interface DraftShown {
  pack: { name: string; version: string; tools: number };
  contractDiff: string | null;
  /** What the importer noticed building the pack (a name shortened, a description cut). */
  warnings?: string[];
  preview: {
    baseRevision: string;
    files: { path: string; status: string }[];
    patch: string;
    diagnostics: PreviewDiagnostic[];
    valid: boolean;
    access: PreviewAccessChange[];
  };
}

export function DraftPreview({ draft }: { draft: DraftShown }) {
  const { preview } = draft;
  const patches = useMemo(() => splitPatch(preview.patch), [preview.patch]);
  const errors = preview.diagnostics.filter((d) => d.severity === 'error');
  const warnings = preview.diagnostics.filter((d) => d.severity !== 'error');
  return (
    <div className="import-preview">
      <p>
        Pack <strong className="mono">{draft.pack.name}</strong> {draft.pack.version} with {draft.pack.tools}{' '}
        {draft.pack.tools === 1 ? 'tool' : 'tools'}, over revision{' '}
        <span className="mono">{preview.baseRevision.slice(0, 12)}</span>:{' '}
        {preview.valid ? (
          <span className="badge badge-good">valid</span>
        ) : (
          <span className="badge badge-bad">invalid</span>
        )}
      </p>

      {draft.warnings?.length ? (
        <ul className="import-warnings">
          {draft.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}

      <h3>Validation</h3>
      {preview.diagnostics.length === 0 ? (
        <p className="muted">No errors or warnings: the repository with this change validates.</p>
      ) : (
        <ul className="import-diagnostics">
          {[...errors, ...warnings].map((d, i) => (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: diagnostics have no identity; the list is replaced whole
              key={`${d.file}:${d.line}:${i}`}
              className={d.severity === 'error' ? 'error-text' : undefined}
            >
              <span className={`badge badge-${d.severity === 'error' ? 'bad' : 'busy'}`}>{d.severity}</span>{' '}
              <span className="mono">
                {d.file}
                {d.line ? `:${d.line}` : ''}
                {d.column ? `:${d.column}` : ''}
              </span>{' '}
              {d.path ? <span className="mono">{d.path}: </span> : null}
              {d.message}
            </li>
          ))}
        </ul>
      )}

      <h3>Files</h3>
      {patches.length === 0 ? <p className="muted">The change alters no file.</p> : null}
      {patches.map((file) => (
        <FileDiff
          key={file.path}
          file={file}
          status={preview.files.find((f) => f.path === file.path)?.status}
        />
      ))}

      <h3>Access</h3>
      {preview.access.length === 0 ? (
        <p className="muted">
          {preview.valid
            ? 'Nobody gains or loses a tool with this change.'
            : 'Not computed: the changed configuration has errors.'}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Who gains or loses which tools</caption>
            <thead>
              <tr>
                <th scope="col">Environment</th>
                <th scope="col">Subject</th>
                <th scope="col">Tool</th>
                <th scope="col">Change</th>
                <th scope="col">Conditions</th>
              </tr>
            </thead>
            <tbody>
              {preview.access.map((a) => (
                <tr key={`${a.environment}|${a.subject}|${a.tool}`}>
                  <td>
                    {a.environment}
                    {a.zones.length ? <span className="muted small"> ({a.zones.join(', ')})</span> : null}
                  </td>
                  <td className="mono">{a.subject}</td>
                  <td className="mono">{a.tool}</td>
                  <td>
                    <span
                      className={`badge badge-${a.change === 'lost' ? 'bad' : a.change === 'gained' ? 'good' : 'busy'}`}
                    >
                      {a.change}
                    </span>
                  </td>
                  <td className="small">
                    {a.before ? <div>before: {a.before}</div> : null}
                    {a.after ? <div>after: {a.after}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>Contract</h3>
      {draft.contractDiff ? (
        <ScrollBox className="import-scroll" label="Contract diff">
          <pre className="json small">{draft.contractDiff}</pre>
        </ScrollBox>
      ) : (
        <p className="muted">No pack of this name exists yet: nothing to compare the tools' contract with.</p>
      )}
    </div>
  );
}

function FileDiff({ file, status }: { file: FilePatch; status: string | undefined }) {
  const { added, removed } = patchStats(file);
  return (
    <details className="import-file" open>
      <summary>
        <span className="mono">{file.path}</span>{' '}
        {status ? <span className="badge badge-neutral">{status}</span> : null}{' '}
        <span className="small">
          <span className="import-added">+{added}</span> <span className="import-removed">−{removed}</span>
        </span>
      </summary>
      <ScrollBox className="import-diff-box" label={`Changes to ${file.path}`}>
        <pre className="import-diff">
          {file.lines
            .filter((line) => line.kind !== 'meta')
            .map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a patch's lines have no identity beyond their place
              <span key={i} className={`import-diff-${line.kind}`}>
                {line.text}
                {'\n'}
              </span>
            ))}
        </pre>
      </ScrollBox>
    </details>
  );
}

/** A box that scrolls what it holds, reachable by keyboard (Tab, then arrow keys) as a labelled region. */
export function ScrollBox(props: { label: string; className: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must be reachable by keyboard to scroll it
    <section className={props.className} tabIndex={0} aria-label={props.label}>
      {props.children}
    </section>
  );
}

/** The patch as a file the browser saves (`<pack>.patch`): a Blob URL, which the console's CSP allows. */
export function downloadPatch(packName: string, patch: string): void {
  const url = URL.createObjectURL(new Blob([patch], { type: 'text/x-diff' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${packName}.patch`;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download; the URL may go once this task ends.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
