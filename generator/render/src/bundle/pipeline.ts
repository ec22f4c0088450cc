/**
 * The promotion pipeline as the gateway bundle carries it: every zone of the repository with what it should
 * run, so a gateway can show the whole pipeline (GET /v1/zones), not only its own zone. Pure.
 *
 * No config revision per zone: a zone's revision is a digest of its rendered files, which include the images of
 * the build record (unknown here) and the gateway bundle itself, so every zone's bundle would depend on every
 * other zone's rendering. The bundle's own `revision` is its zone's; other zones' come from deployment records.
 */
import type { RepoModel } from '@raku/config';
import type { PipelineZone } from './types.ts';
import { cmp, resolveZone } from './workloads.ts';

/**
 * Every zone in pipeline order: zones without `promotion.from` first, each followed by the zones promoted from
 * it (dev → staging → prod), siblings by name. A zone whose `from` names no zone, or that sits in a cycle
 * (validation reports both), comes last, by name, so the list always holds every zone once.
 */
export function buildPipeline(model: RepoModel): PipelineZone[] {
  const zones = [...model.zones].sort((a, b) => cmp(a.value.name, b.value.name));
  const names = new Set(zones.map((z) => z.value.name));
  const ordered: string[] = [];
  const visit = (from: string | undefined) => {
    for (const z of zones) {
      const upstream = z.value.promotion?.from;
      const isNext = from === undefined ? !upstream || !names.has(upstream) : upstream === from;
      if (!isNext || ordered.includes(z.value.name)) continue;
      ordered.push(z.value.name);
      visit(z.value.name);
    }
  };
  visit(undefined);
  for (const z of zones) if (!ordered.includes(z.value.name)) ordered.push(z.value.name);
  return ordered.map((name) => pipelineZone(model, name));
}

function pipelineZone(model: RepoModel, name: string): PipelineZone {
  const { zone, workloads } = resolveZone(model, name);
  const z = zone.value;
  const promotion = z.promotion;
  return {
    name: z.name,
    environment: z.environment,
    namespace: z.namespace,
    ...(promotion && {
      promotion: {
        from: promotion.from,
        ...(promotion.healthGate && { healthGate: { ...promotion.healthGate } }),
      },
    }),
    workloads: workloads.map((w) => ({
      name: w.name,
      packs: w.packs.map(({ pack }) => ({ name: pack.value.name, version: pack.value.version })),
    })),
  };
}
