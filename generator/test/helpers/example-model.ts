/**
 * The example repository's model as a repository without tenants: its tenants' packs (and their zone
 * entries) and policies left out, whatever the examples hold. Tests compare a tenanted repository with it to
 * show that a repository without tenants keeps what it had before tenancy.
 */
import type { RepoModel } from '../../config/src/model/types.ts';

export function withoutTenants(model: RepoModel): RepoModel {
  const owned = new Set(model.packs.filter((p) => p.value.tenant !== undefined).map((p) => p.value.name));
  return {
    ...model,
    packs: model.packs.filter((p) => !owned.has(p.value.name)),
    zones: model.zones.map((z) => ({
      ...z,
      value: { ...z.value, packs: z.value.packs.filter((entry) => !owned.has(entry.name)) },
    })),
    policies: model.policies.filter((p) => p.value.tenant === undefined),
    tenants: [],
  };
}
