/**
 * The lists' tenant filter (traces, approvals, jobs), kept in the URL query as `?tenant=`: shown when the
 * caller reads several tenants (an organisation admin: all of them), as the admin API's `tenant` parameter
 * narrows what it serves. TenantCell names a row's tenant.
 */
import { useId } from 'react';
import { useSession } from '../api.ts';
import { useQueryState } from '../router.ts';
import { rowTenant, type TenantList, tenantFilterChoices } from '../tenancy.ts';

/** The filter of `list`, whose choices are the tenants its rows may come from (tenancy.ts: listTenants). */
export function TenantFilter({ list }: { list: TenantList }) {
  const session = useSession();
  const [query, setQuery] = useQueryState();
  const id = useId();
  const choices = tenantFilterChoices(session, list);
  if (choices.length === 0) return null;
  const value = query.get('tenant') ?? '';
  return (
    <div className="filters tenant-filter">
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
    </div>
  );
}

/** A row's tenant, as a badge. */
export function TenantBadge({ row }: { row: { tenant?: string | null } }) {
  return <span className="badge badge-accent tenant-badge">{rowTenant(row)}</span>;
}
