/**
 * Policies (/console/policies, admins and tenants' admins): the policy explorer. Tabs in the URL query (`?tab=`): Rules (every
 * rule of an environment with its file:line), Access (subjects × tools from the same accessMatrix engine as
 * `raku policy access`), Simulator (a call's decision with every rule that matched or failed, and why) and
 * Edit (a policy file's YAML → the change preview with the access diff → a pull request or a patch). The
 * environment is in the query too (`?env=`), shared by the tabs, and so is the tenant (`?tenant=`) when the
 * repository has tenants: the matrix and the simulator act as callers of that tenant over its view of the
 * tools (as `raku policy access --tenant` and `raku policy check --tenant`). Without tenants there is no
 * tenant selector and the view looks as before tenancy. A tenant's admin (not the admin role) explores the
 * organisation's policies and its own tenants' and has no Edit tab: changes go through the admin role.
 */
import { type KeyboardEvent, useId, useRef } from 'react';
import { api, unwrap, useSession } from '../api.ts';
import { useLoad } from '../load.ts';
import { useQueryState } from '../router.ts';
import { ErrorBanner } from '../ui/ErrorBanner.tsx';
import { ViewHeader } from '../ui/ViewHeader.tsx';
import { AccessTab } from './policy-access.tsx';
import { EditTab } from './policy-edit.tsx';
import { RulesTab } from './policy-rules.tsx';
import { SimulatorTab } from './policy-simulator.tsx';
import {
  type Environment,
  IMPLICIT_TENANT,
  type PolicyOverview,
  TABS,
  type Tab,
  tabOf,
  tenantLabel,
} from './policy-types.ts';
import '../ui/policies.css';

const TAB_LABELS: Record<Tab, string> = {
  rules: 'Rules',
  access: 'Access',
  simulator: 'Simulator',
  edit: 'Edit',
};

export function PoliciesView() {
  const [query, setQuery] = useQueryState();
  // A tenant's admins explore (rules, access, simulator); proposing changes stays with the admin role.
  const { admin } = useSession();
  const tabs: readonly Tab[] = admin ? TABS : TABS.filter((t) => t !== 'edit');
  const asked = tabOf(query.get('tab'));
  const tab = tabs.includes(asked) ? asked : 'rules';
  const env = query.get('env') ?? undefined;
  const chosenTenant = query.get('tenant') ?? undefined;
  const id = useId();
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});

  const overview = useLoad(
    async (signal) =>
      unwrap(
        await api.GET('/v1/policies', {
          params: {
            query: {
              ...(env ? { environment: env as Environment } : {}),
              ...(chosenTenant ? { tenant: chosenTenant } : {}),
            },
          },
          signal,
        }),
      ) as PolicyOverview,
    [env, chosenTenant],
  );
  const data = overview.data;
  const environment = (data?.environment ?? env ?? 'dev') as Environment;
  const tenant = data?.tenant ?? chosenTenant ?? IMPLICIT_TENANT;
  const tenants = data?.tenants ?? [];
  // Say the tenant wherever the matrix and the simulator act in one (a tenant admin may have only its own).
  const tenanted = tenants.length > 1 || tenant !== IMPLICIT_TENANT;

  const select = (next: Tab) => setQuery({ tab: next === 'rules' ? undefined : next });
  // Arrow keys move between tabs (the WAI-ARIA tabs pattern); Tab moves into the panel.
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const i = tabs.indexOf(tab);
    const next =
      event.key === 'ArrowRight'
        ? tabs[(i + 1) % tabs.length]
        : event.key === 'ArrowLeft'
          ? tabs[(i + tabs.length - 1) % tabs.length]
          : event.key === 'Home'
            ? tabs[0]
            : event.key === 'End'
              ? tabs[tabs.length - 1]
              : undefined;
    if (!next) return;
    event.preventDefault();
    select(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <section className="view policies">
      <ViewHeader
        title="Policies"
        subtitle={
          data ? (
            <>
              {data.source === 'repository' ? 'From the config repository' : 'From this gateway’s bundle'}
              {data.revision ? (
                <>
                  {' '}
                  at <code>{shortRevision(data.revision)}</code>
                </>
              ) : null}
              {' · '}
              {data.files.length} policy {data.files.length === 1 ? 'file' : 'files'}
            </>
          ) : (
            'Who may call which tools, and why'
          )
        }
      >
        <label className="field" htmlFor={`${id}-env`}>
          Environment
          <select
            id={`${id}-env`}
            value={environment}
            onChange={(event) => setQuery({ env: event.target.value })}
          >
            {(data?.environments ?? [environment]).map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        {tenants.length > 1 ? (
          <label className="field" htmlFor={`${id}-tenant`}>
            Tenant
            <select
              id={`${id}-tenant`}
              value={tenant}
              onChange={(event) =>
                setQuery({ tenant: event.target.value === IMPLICIT_TENANT ? undefined : event.target.value })
              }
            >
              {tenants.map((t) => (
                <option key={t} value={t}>
                  {tenantLabel(t)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </ViewHeader>
      {data?.note ? (
        <p className="notice" role="note">
          {data.note}
        </p>
      ) : null}
      <div className="tabs" role="tablist" aria-label="Policy explorer">
        {tabs.map((t) => (
          <button
            key={t}
            ref={(el) => {
              tabRefs.current[t] = el;
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${t}`}
            aria-controls={`${id}-panel`}
            aria-selected={t === tab}
            tabIndex={t === tab ? 0 : -1}
            className="tab"
            onClick={() => select(t)}
            onKeyDown={onTabKey}
          >
            {TAB_LABELS[t]}
          </button>
        ))}
      </div>
      <div className="tab-panel" role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-tab-${tab}`}>
        <ErrorBanner error={overview.error} onRetry={overview.reload} />
        {tab === 'rules' ? (
          data ? (
            <RulesTab overview={data} tenanted={tenanted} />
          ) : null
        ) : tab === 'access' ? (
          <AccessTab environment={environment} tenant={tenant} tenanted={tenanted} />
        ) : tab === 'simulator' ? (
          <SimulatorTab
            // A new tenant is a new call: the form starts again from the query.
            key={tenant}
            environment={environment}
            tenant={tenant}
            tenanted={tenanted}
            overview={data}
          />
        ) : (
          <EditTab overview={data} />
        )}
        {!data && !overview.error && tab === 'rules' ? <p className="loading">Loading…</p> : null}
      </div>
    </section>
  );
}

function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision)
    ? revision.slice(0, 12)
    : revision.replace(/^sha256:(.{12}).*$/, 'sha256:$1…');
}
