/**
 * The lists' tenant filter (traces, approvals, jobs), kept in the URL query as `?tenant=`: shown when a list's
 * rows may come from several tenants (an organisation admin: all of them), as the admin API's `tenant`
 * parameter narrows what it serves. TenantBadge names a row's tenant.
 */
import { useId } from 'react';
import { useSession } from '../api.ts';
import { useQueryState } from '../router.ts';
import { rowTenant, type TenantList, tenantFilterChoices } from '../tenancy.ts';

/**
 * The filter of `list`, whose choices are the tenants its rows may come from (tenancy.ts: listTenants), in a
 * filter row of its own, or `bare` (the field only) to sit in a view's own filter row.
 */
export function TenantFilter({ list, bare = false }: { list: TenantList; bare?: boolean }) {
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const id = useId();
  const choices = tenantFilterChoices(session, list);
  if (choices.length === 0) return null;
  const value = query.get('tenant') ?? '';
  const field = (
    <label className="field" htmlFor={id}>
      Tenant
      <select
        id={id}
        value={choices.includes(value) ? value : ''}
        onChange={(event) => setQuery({ tenant: event.target.value || undefined, cursor: undefined })}
      >
        <option value="">All tenants</option>
        {choices.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
  return bare ? field : <div className="filters">{field}</div>;
}

/** A row's tenant, as a badge. */
export function TenantBadge({ row }: { row: { tenant?: string | null } }) {
  return <span className="badge badge-accent tenant-badge">{rowTenant(row)}</span>;
}
