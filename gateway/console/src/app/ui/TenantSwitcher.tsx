/**
 * The header's tenant: the tenant the console acts in ("payments"), "All tenants" for an organisation admin,
 * and, for a caller who may act in several tenants (a member of several; an organisation admin), a switcher
 * choosing the one its calls (catalog, try-it, jobs) act in.
 */
import { useId, useState } from 'react';
import { actingChoices, type SessionTenancy, tenantLabel } from '../tenancy.ts';

export function TenantSwitcher(props: { tenancy: SessionTenancy; onSwitch(tenant: string): Promise<void> }) {
  const { tenancy } = props;
  const id = useId();
  const [busy, setBusy] = useState(false);
  const label = tenantLabel(tenancy);
  const choices = actingChoices(tenancy);
  if (choices.length < 2) {
    return (
      <span className="tenant" title="The tenant this console acts in">
        <span className="tenant-label">Tenant</span> <span className="badge badge-accent">{label}</span>
      </span>
    );
  }
  return (
    <span className="tenant">
      {tenancy.allTenants ? (
        <>
          <span className="tenant-label">Tenant</span> <span className="badge badge-accent">{label}</span>
        </>
      ) : null}
      <label className="tenant-label" htmlFor={id}>
        {tenancy.allTenants ? 'Act in' : 'Tenant'}
      </label>
      <select
        id={id}
        className="tenant-select"
        value={tenancy.tenant ?? ''}
        disabled={busy}
        aria-busy={busy}
        onChange={(event) => {
          setBusy(true);
          void props.onSwitch(event.target.value).finally(() => setBusy(false));
        }}
      >
        {tenancy.tenant === undefined ? <option value="">Choose a tenant</option> : null}
        {choices.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </span>
  );
}
