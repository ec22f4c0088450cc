export { buildBundle } from './bundle/build-bundle.ts';
export { buildPipeline } from './bundle/pipeline.ts';
export { bundleTenantNames, routesOfTenant, tenantSees, toolsOfTenant } from './bundle/tenant-view.ts';
export {
  BUNDLE_VERSION,
  BUNDLE_VERSIONS,
  type BundleRemote,
  type BundleTenant,
  type GatewayBundle,
  type PipelineZone,
  type RouteTarget,
  TENANT_BUNDLE_VERSION,
} from './bundle/types.ts';
export { GATEWAY_NAME, resolveZone } from './bundle/workloads.ts';
export { assertSafePath, type ChangeSet, changeSet } from './generate/change-set.ts';
export { generateZones, zoneRenderKeys } from './generate/generate-zones.ts';
export { DEFAULT_ALERT_THRESHOLDS, TOOL_CALL_ERROR_STATUSES } from './generate/monitoring-alerts.ts';
export { configRevision, renderZone, shortRevision, type WorkloadImage } from './generate/render-zone.ts';
export { revisionTag } from './generate/workload-spec.ts';
export {
  formatPlan,
  PLAN_COMMENT_MARKER,
  PLAN_FORMATS,
  type PlanFormat,
  planHasChanges,
} from './plan/format-plan.ts';
export { accessChanges, type LiveRemoteTools, type PlanSide, planChanges } from './plan/plan.ts';
export type { AccessPlanChange, Plan } from './plan/plan-types.ts';
export { inputSchemaBreaks } from './plan/schema-compat.ts';
export { type ErrorRate, errorRate, FAILED_STATUSES } from './promotion/error-rate.ts';
export {
  DEFAULT_MAX_ERROR_RATE,
  DEFAULT_MIN_READY_MINUTES,
  decidePromotion,
  MAX_STATUS_AGE_MINUTES,
  type PromotionDecision,
  type UpstreamStatus,
} from './promotion/promotion-gate.ts';
