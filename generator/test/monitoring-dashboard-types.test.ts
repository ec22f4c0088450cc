/**
 * The generated dashboard against Grafana's own dashboard model (@grafana/schema, the types Grafana's
 * frontend is written against; npm has no JSON Schema for dashboards). Most of this file is checked by the
 * typecheck (`tsc --noEmit`), not at run time: the renderer's return value must be assignable to Grafana's
 * `Dashboard`, and the renderer's types may name no field that Grafana's types do not have, at every level
 * the renderer writes (dashboard, variable, panel, grid position, field config, thresholds, value mappings).
 */
import type {
  Dashboard,
  FieldConfig,
  FieldConfigSource,
  GridPos,
  Panel,
  VariableModel,
} from '@grafana/schema';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_THRESHOLDS } from '../render/src/generate/monitoring-alerts.ts';
import {
  type GrafanaDashboard,
  type GrafanaFieldConfig,
  type GrafanaPanel,
  zoneDashboard,
} from '../render/src/generate/monitoring-dashboard.ts';

/**
 * Grafana's string and numeric enums (ThresholdsMode, MappingType, VariableHide…) as the literal values they
 * stand for: a dashboard is JSON, where `"absolute"` is what the enum member `ThresholdsMode.Absolute` holds.
 */
type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

/** `true` when T names no key that U lacks. */
type NoExtraKeys<T, U> = [Exclude<keyof T, keyof U>] extends [never] ? true : Exclude<keyof T, keyof U>;
const fits = <T extends true>(value: T) => value;

type Variable = GrafanaDashboard['templating']['list'][number];
type Thresholds = GrafanaFieldConfig['thresholds'];
type Mapping = NonNullable<GrafanaFieldConfig['mappings']>[number];
type GrafanaThresholds = NonNullable<FieldConfig['thresholds']>;
type GrafanaMapping = Extract<
  NonNullable<FieldConfig['mappings']>[number],
  { type: unknown; options: Record<string, unknown> }
>;

describe('the generated dashboard in Grafana\u2019s types', () => {
  it('is a Grafana Dashboard and uses only fields Grafana\u2019s model has', () => {
    const dashboard = zoneDashboard(
      {
        zone: 'prod',
        namespace: 'raku',
        gatewayInstance: 'raku-gateway-prod',
        packServers: ['petstore-mcp'],
      },
      DEFAULT_ALERT_THRESHOLDS,
    );
    // Assignability (checked by tsc): every field the renderer writes has Grafana's type.
    const typed: Json<Dashboard> = dashboard;
    // No field Grafana's model lacks (checked by tsc at each level).
    fits<NoExtraKeys<GrafanaDashboard, Dashboard>>(true);
    fits<NoExtraKeys<Variable, VariableModel>>(true);
    fits<NoExtraKeys<GrafanaPanel, Panel>>(true);
    fits<NoExtraKeys<GrafanaPanel['gridPos'], GridPos>>(true);
    fits<NoExtraKeys<GrafanaPanel['fieldConfig'], FieldConfigSource>>(true);
    fits<NoExtraKeys<GrafanaFieldConfig, FieldConfig>>(true);
    fits<NoExtraKeys<Thresholds, GrafanaThresholds>>(true);
    fits<NoExtraKeys<Thresholds['steps'][number], GrafanaThresholds['steps'][number]>>(true);
    fits<NoExtraKeys<Mapping, GrafanaMapping>>(true);
    // The run-time half: the value went through unchanged and has panels (the rest is the typecheck's).
    expect(typed.panels?.length).toBe(dashboard.panels.length);
    expect(dashboard.panels.length).toBeGreaterThan(10);
  });
});
