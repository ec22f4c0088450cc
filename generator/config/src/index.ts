export { countBySeverity, type Diagnostic } from './diagnostic.ts';
export { ConfigError, isUserError, UserError } from './errors.ts';
export { isRepoRoot, readFileNoFollow, readRepoFiles } from './fs/read-repo.ts';
export {
  loadValidModel,
  type ValidateConfigOptions,
  type ValidateConfigResult,
  validateConfig,
} from './fs/validate-config.ts';
export { readRepoFilesAtCommit, resolveCommit } from './git/read-at-ref.ts';
export { documentKind } from './load/load-repo.ts';
export { explainSchemaErrors, schemaValidators } from './load/schemas.ts';
export { DEFAULT_YAML_LIMITS, parseYamlSource, type SourceFile } from './load/yaml-source.ts';
export { type AiConfig, aiConfigFromEnv } from './model/ai-config.ts';
export { argLocation } from './model/arg-location.ts';
export { DEPLOYMENT_HEALTHS, type DeploymentHealth, type DeploymentRecordInput } from './model/deployment.ts';
export { agentCardSha256, canonicalJson, sha256Hex, toolContentHash } from './model/hash.ts';
export {
  exposedToolName,
  pathParams,
  secretEnvName,
  toolPatternMatcher,
} from './model/names.ts';
export { RAKU_PACKAGE_NAME } from './model/product.ts';
export {
  exposedToolsIn,
  packVisibleTo,
  sensitiveToolsIn,
  sharedGrant,
  type TenantView,
  tenantNamed,
  tenantNames,
  tenantView,
  type ViewRemote,
} from './model/tenant-view.ts';
export {
  type A2aProtocolVersion,
  type A2aSkillMapping,
  type A2aUpstream,
  type AlertThresholds,
  type ArgMapping,
  type Autoscaling,
  type BaseImage,
  type Condition,
  ENVIRONMENTS,
  type Environment,
  type HttpMapping,
  type HttpMethod,
  type HttpTool,
  IMPLICIT_TENANT,
  isHttpTool,
  type JsonSchema,
  type Loaded,
  type Pack,
  type Policy,
  type Remote,
  type RepoModel,
  type Resources,
  type Scalar,
  type SecretRef,
  type Tenant,
  type TenantMember,
  type TenantQuotas,
  type Tool,
  type ToolAnnotations,
  type ToolCache,
  type Upstream,
  type UpstreamAuth,
  type Zone,
  type ZoneMonitoring,
  type ZonePack,
} from './model/types.ts';
export { addedLines, type ChangedLines, chooseAnnotations, renderSummary } from './validate/annotations.ts';
export { DIAGNOSTIC_FORMATS, type DiagnosticFormat, formatDiagnostics } from './validate/format.ts';
export { printable, printableLines } from './validate/printable.ts';
export { findSecret } from './validate/rules/secrets.ts';
export { validateRepo } from './validate/validate-repo.ts';
