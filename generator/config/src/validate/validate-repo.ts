import { type Diagnostic, sortDiagnostics } from '../diagnostic.ts';
import { type LoadedRepo, loadRepo } from '../load/load-repo.ts';
import type { SourceFile, YamlLimits } from '../load/yaml-source.ts';
import { a2aTools } from './rules/a2a.ts';
import { httpBodies } from './rules/body-encoding.ts';
import { makeRuleContext, type Rule } from './rules/context.ts';
import { denyPatternNormalization } from './rules/deny-patterns.ts';
import { zoneMonitoring } from './rules/monitoring.ts';
import { nameMatchesPath, toolNames, uniqueNames } from './rules/names.ts';
import { packBaseUrls } from './rules/pack-base-url.ts';
import { policyConditionArgs, policyReferences } from './rules/policies.ts';
import { noSecretValues } from './rules/secrets.ts';
import { tenantMembers, tenantReferences, tenantSharedGrants } from './rules/tenants.ts';
import { toolCache } from './rules/tool-cache.ts';
import { httpMappings, toolSchemas } from './rules/tools.ts';
import { urls } from './rules/urls.ts';
import { workloadToolNames, zoneToolCollisions } from './rules/view-tool-names.ts';
import { promotionChain, zonePacks, zoneToolNames } from './rules/zone-references.ts';

/** The semantic rules, run after the schema; each reports on its own and never stops the others. */
export const RULES: readonly Rule[] = [
  nameMatchesPath,
  uniqueNames,
  toolNames,
  httpMappings,
  httpBodies,
  a2aTools,
  toolSchemas,
  toolCache,
  zonePacks,
  packBaseUrls,
  zoneToolNames,
  zoneToolCollisions,
  workloadToolNames,
  promotionChain,
  zoneMonitoring,
  tenantReferences,
  tenantSharedGrants,
  tenantMembers,
  policyReferences,
  policyConditionArgs,
  denyPatternNormalization,
  noSecretValues,
  urls,
];

export interface ValidationResult extends LoadedRepo {
  /** Every problem, schema and semantic, sorted by file and position. */
  diagnostics: Diagnostic[];
  /** How many config files were examined. */
  fileCount: number;
}

/** Loads and fully validates a repository's config. Pure over file contents. */
export function validateRepo(files: readonly SourceFile[], limits?: YamlLimits): ValidationResult {
  const loaded = loadRepo(files, limits);
  const diagnostics = [...loaded.diagnostics];
  const ctx = makeRuleContext(loaded.model, loaded.positions, loaded.rejected, diagnostics);
  for (const rule of RULES) rule(ctx);
  return {
    ...loaded,
    diagnostics: sortDiagnostics(diagnostics),
    fileCount: loaded.positions.size,
  };
}
