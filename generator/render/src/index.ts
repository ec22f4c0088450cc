export { buildBundle } from './bundle/build-bundle.ts';
export { BUNDLE_VERSION, type BundleRemote, type GatewayBundle, type RouteTarget } from './bundle/types.ts';
export { GATEWAY_NAME, resolveZone } from './bundle/workloads.ts';
export { type ChangeSet, changeSet, OWNED_FILES_MANIFEST, writeChangeSet } from './generate/change-set.ts';
export { generateZones } from './generate/generate-zones.ts';
export { configRevision, renderZone, shortRevision, type WorkloadImage } from './generate/render-zone.ts';
export { formatPlan, PLAN_FORMATS, type PlanFormat } from './plan/format-plan.ts';
export { type LiveRemoteTools, type PlanSide, planChanges } from './plan/plan.ts';
export { inputSchemaBreaks } from './plan/schema-compat.ts';
