/**
 * Rules of tenancy (docs/tenancy.md): packs and policies name tenants that exist, a tenant's `shared` list
 * grants shared packs and remotes only, and its members, admins and approvers make sense.
 */
import { IMPLICIT_TENANT, type TenantMember } from '../../model/types.ts';
import type { Rule, RuleContext } from './context.ts';

/** Names of the documents of one folder that failed to load (their absence must not be reported as missing). */
function rejectedNames(ctx: RuleContext, folder: 'packs' | 'tenants'): Set<string> {
  return new Set(
    [...ctx.rejectedFiles]
      .filter((f) => f.startsWith(`${folder}/`))
      .map(
        (f) =>
          (folder === 'packs' ? f.split('/')[1] : f.slice(folder.length + 1).replace(/\.ya?ml$/, '')) ?? '',
      ),
  );
}

function tenantMissing(name: string, defined: readonly string[]): string {
  if (name === IMPLICIT_TENANT)
    return `tenant "${name}" is the implicit tenant of callers who belong to none; leave "tenant" out for a shared document`;
  const known = defined.length
    ? `: the tenants are ${defined.join(', ')}`
    : ' (the repository has no tenants/)';
  return `tenant "${name}" does not exist (no tenants/${name}.yaml)${known}`;
}

/** `pack.tenant` and `policy.tenant` name a tenant of tenants/. */
export const tenantReferences: Rule = (ctx) => {
  const defined = ctx.model.tenants.map((t) => t.value.name).sort();
  const known = new Set(defined);
  const rejected = rejectedNames(ctx, 'tenants');
  const docs = [...ctx.model.packs, ...ctx.model.policies];
  for (const { file, value } of docs) {
    const tenant = value.tenant;
    if (tenant === undefined || known.has(tenant) || rejected.has(tenant)) continue;
    ctx.report(file, ['tenant'], 'tenant-exists', tenantMissing(tenant, defined));
  }
};

/**
 * A tenant's `shared` list names shared packs (packs with no `tenant`) or remotes of a zone; '*' stands alone.
 * Granting another tenant's pack would hand its tools over without its owner's say, so it is refused.
 */
export const tenantSharedGrants: Rule = (ctx) => {
  const packs = new Map(ctx.model.packs.map((p) => [p.value.name, p.value]));
  const remotes = new Set(ctx.model.zones.flatMap((z) => (z.value.remotes ?? []).map((r) => r.name)));
  const rejectedPacks = rejectedNames(ctx, 'packs');
  const zonesRejected = [...ctx.rejectedFiles].some((f) => f.startsWith('zones/'));
  for (const { file, value: tenant } of ctx.model.tenants) {
    const shared = tenant.shared ?? [];
    shared.forEach((name, i) => {
      const at = ['shared', i];
      if (name === '*') {
        if (shared.length > 1)
          ctx.report(file, at, 'shared-grant', "'*' grants every shared pack and remote; list it alone");
        return;
      }
      const pack = packs.get(name);
      if (pack?.tenant !== undefined && !remotes.has(name)) {
        ctx.report(
          file,
          at,
          'shared-grant',
          pack.tenant === tenant.name
            ? `pack "${name}" is this tenant's own pack; its tools need no grant`
            : `pack "${name}" belongs to tenant "${pack.tenant}"; only shared packs (no "tenant") and zone remotes can be granted`,
        );
        return;
      }
      if (pack || remotes.has(name) || rejectedPacks.has(name) || zonesRejected) return;
      ctx.report(
        file,
        at,
        'shared-grant',
        `"${name}" is neither a shared pack (packs/${name}/pack.yaml) nor a remote of any zone`,
      );
    });
  }
};

function memberKey(member: TenantMember): string {
  return 'claim' in member
    ? `claim ${member.claim} = ${JSON.stringify(member.equals)}`
    : `group ${member.group}${member.issuer === undefined ? '' : ` from ${member.issuer}`}`;
}

/**
 * Members, admins and approvers make sense: no member entry listed twice; no approver who is already an admin
 * (admins see every approval request of the tenant anyway); a member claim on `iss` or `groups` is better said
 * with a group entry (`group`, `issuer`), which the gateway matches the same way on every token.
 */
export const tenantMembers: Rule = (ctx) => {
  for (const { file, value: tenant } of ctx.model.tenants) {
    const seen = new Map<string, number>();
    tenant.members.forEach((member, i) => {
      const key = memberKey(member);
      const prev = seen.get(key);
      if (prev !== undefined)
        ctx.report(
          file,
          ['members', i],
          'tenant-members',
          `member ${key} is already listed at members[${prev}]`,
        );
      else seen.set(key, i);
      if ('claim' in member && (member.claim === 'groups' || member.claim === 'iss')) {
        ctx.report(
          file,
          ['members', i, 'claim'],
          'tenant-members',
          `a member by claim "${member.claim}" is a group entry in disguise: write { group: …${member.claim === 'iss' ? ', issuer: …' : ''} } so the zone's groups claim and issuer are honoured`,
          'warning',
        );
      }
    });
    const admins = new Set(tenant.admins ?? []);
    (tenant.approvers ?? []).forEach((principal, i) => {
      if (admins.has(principal))
        ctx.report(
          file,
          ['approvers', i],
          'tenant-members',
          `"${principal}" is also an admin of the tenant, who sees all its approval requests already`,
          'warning',
        );
    });
  }
};
