export {
  type BuildRecord,
  buildRecordPath,
  parseBuildRecord,
  serialiseBuildRecord,
  workloadImages,
} from './build/build-record.ts';
export { buildZone } from './build/build-zone.ts';
export { type BuildZonesEvents, type BuildZonesOptions, buildZones } from './build/build-zones.ts';
export { dockerBuilder } from './build/docker-builder.ts';
export { layerCacheDir, pruneLayerCache } from './build/layer-cache.ts';
export { explainRegistryError, RegistryError } from './build/registry-client.ts';
export { registryClientsFor } from './build/registry-clients.ts';
export { bundleRuntime, RUNTIME_ENTRY } from './build/runtime-bundle.ts';
export { readOutputDir } from './fs/read-output-dir.ts';
export { OWNED_FILES_MANIFEST, type WriteResult, writeChangeSet } from './fs/write-change-set.ts';
export {
  type GenerateOptions,
  type GenerateReport,
  generateToDir,
} from './generate/generate-to-dir.ts';
export { type InitOptions, type InitResult, initConfigRepo } from './init/init-config-repo.ts';
export { scaffoldConfigRepo } from './init/scaffold-config-repo.ts';
export {
  ACTIONS_OWNER_PLACEHOLDER,
  checkScaffoldOptions,
  packageNameFor,
  type ScaffoldOptions,
} from './init/scaffold-options.ts';
export { splitList } from './list-input.ts';
export {
  formatPackTest,
  type RecordedExample,
  runPackTest,
  type ToolTestResult,
} from './pack-test/run-pack-test.ts';
export {
  type PackTestReport,
  packTestJson,
  type TestPacksEvents,
  type TestPacksOptions,
  type TestPacksResult,
  testPacks,
} from './pack-test/test-packs.ts';
export {
  githubPlanCommentApi,
  octokitFor,
  upsertPlanComment,
  verifyPullRequestHead,
} from './plan/plan-comment.ts';
export { type PlanRepoEvents, type PlanRepoOptions, planRepo } from './plan/plan-repo.ts';
export {
  checkRepoRoot,
  loadReleaseContext,
  type ReleaseContext,
  selectZones,
} from './release-context.ts';
export { GitWorkspace } from './rollout/git-workspace.ts';
export { gitHubPullRequests } from './rollout/pull-requests.ts';
export {
  DEFAULT_ROLLOUT_AUTHOR,
  parseAuthor,
  parseAutoMerge,
  parseRemotes,
} from './rollout/rollout-inputs.ts';
export { type RolloutResult, rolloutZone } from './rollout/rollout-zone.ts';
export {
  type RolloutPorts,
  type RolloutReport,
  type RolloutZonesOptions,
  rolloutZones,
} from './rollout/rollout-zones.ts';
export type { ZoneHealth } from './status/assess-zone.ts';
export { deploymentRecords, postDeploymentRecords } from './status/deployment-records.ts';
export { readTraceStatuses } from './status/error-rate.ts';
export { clusterError, kubeConfigFor } from './status/kube-config.ts';
export { readZoneObjects } from './status/kube-reader.ts';
export { parseDuration } from './status/parse-duration.ts';
export { expectedWorkloads, watchZone } from './status/zone-status.ts';
export {
  type ZoneStatusEvents,
  type ZoneStatusOptions,
  zoneStatus,
} from './status/zone-statuses.ts';
