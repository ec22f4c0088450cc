/**
 * A pack may leave its base URL to the zones (`upstream.baseUrls` omitted) and a zone may give one
 * (`packs[].baseUrl`, which wins): validate requires it where needed (rule pack-base-url), and the zone's
 * value reaches the pack server's config, its egress, its image and local mode, while packs whose zones
 * set nothing render exactly as before.
 */

import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import type { SourceFile } from '../config/src/load/yaml-source.ts';
import type { Pack, RepoModel } from '../config/src/model/types.ts';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { planZoneImages } from '../release/src/build/plan-images.ts';
import { resolveZone } from '../render/src/bundle/workloads.ts';
import { renderZone } from '../render/src/generate/render-zone.ts';
import { type Edit, exampleFiles } from './repo-fixture.ts';

const METEO = 'packs/open-meteo/pack.yaml';
const ZONE_URL = 'https://meteo.internal.example/v1';
/** Index of open-meteo in each example zone's packs. */
const METEO_ENTRY = 2;

/** The example repository with several documents edited. */
function edited(edits: Record<string, Edit>): SourceFile[] {
  return exampleFiles().map((f) => {
    const edit = edits[f.path];
    if (!edit) return f;
    const doc = parseDocument(Buffer.from(f.bytes).toString('utf8'));
    edit(doc);
    return { path: f.path, bytes: Buffer.from(doc.toString()) };
  });
}

const withoutBaseUrls: Edit = (d) => d.deleteIn(['upstream', 'baseUrls']);
const zoneBaseUrl =
  (url: string): Edit =>
  (d) =>
    d.setIn(['packs', METEO_ENTRY, 'baseUrl'], url);

function problems(files: SourceFile[]) {
  return validateRepo(files)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => ({ file: d.file, path: d.path, rule: d.rule }));
}

describe('validate: a base URL for every deployed pack', () => {
  it('reports each zone deploying a pack that leaves its base URL to the zones without giving one', () => {
    expect(problems(edited({ [METEO]: withoutBaseUrls }))).toEqual(
      ['zones/dev.yaml', 'zones/prod.yaml', 'zones/staging.yaml'].map((file) => ({
        file,
        path: `packs[${METEO_ENTRY}].name`,
        rule: 'pack-base-url',
      })),
    );
  });

  it('accepts the pack once every zone gives its baseUrl', () => {
    const zones = Object.fromEntries(
      ['zones/dev.yaml', 'zones/staging.yaml', 'zones/prod.yaml'].map((z) => [z, zoneBaseUrl(ZONE_URL)]),
    );
    expect(problems(edited({ [METEO]: withoutBaseUrls, ...zones }))).toEqual([]);
  });

  it('lets a zone baseUrl stand in for a missing environment of the pack', () => {
    const noProd: Edit = (d) => d.deleteIn(['upstream', 'baseUrls', 'prod']);
    expect(problems(edited({ [METEO]: noProd }))).toEqual([
      { file: 'zones/prod.yaml', path: `packs[${METEO_ENTRY}].name`, rule: 'zone-pack-environment' },
    ]);
    expect(problems(edited({ [METEO]: noProd, 'zones/prod.yaml': zoneBaseUrl(ZONE_URL) }))).toEqual([]);
  });

  it('holds a zone baseUrl to the zone’s environment: https outside dev, no credentials', () => {
    expect(
      problems(
        edited({
          'zones/prod.yaml': zoneBaseUrl('http://meteo.internal.example/v1'),
          'zones/dev.yaml': zoneBaseUrl('http://u:p@127.0.0.1:8080/v1'),
        }),
      ),
    ).toEqual([
      { file: 'zones/dev.yaml', path: `packs[${METEO_ENTRY}].baseUrl`, rule: 'url' },
      { file: 'zones/prod.yaml', path: `packs[${METEO_ENTRY}].baseUrl`, rule: 'https-outside-dev' },
    ]);
  });
});

function model(files: SourceFile[]): RepoModel {
  const result = validateRepo(files);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.model;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked by known paths in assertions
type Obj = Record<string, any>;

function manifests(m: RepoModel, zone: string): Obj[] {
  return [...renderZone(m, zone, { revision: 'local' })]
    .filter(([file]) => file === 'pack-servers/open-meteo/manifests.yaml')
    .flatMap(([, content]) => parseAllDocuments(content).map((d) => d.toJS() as Obj));
}

describe('the zone’s base URL in what is generated', () => {
  const files = edited({
    [METEO]: withoutBaseUrls,
    'zones/dev.yaml': zoneBaseUrl(ZONE_URL),
    'zones/staging.yaml': zoneBaseUrl('https://meteo.staging.example/v1'),
    'zones/prod.yaml': zoneBaseUrl('https://meteo.prod.example/v1'),
  });

  it('puts it in the pack server’s config and its egress', () => {
    const objects = manifests(model(files), 'dev');
    const config = objects.find((o) => o['kind'] === 'ConfigMap');
    const pack = JSON.parse(config?.['data']['open-meteo.json']) as Pack;
    expect(pack.upstream.baseUrls).toEqual({ dev: ZONE_URL });
    const egress = JSON.stringify(objects.find((o) => o['kind'] === 'NetworkPolicy'));
    expect(egress).toContain('meteo.internal.example');
  });

  it('wins over the pack’s own base URL for that zone only', () => {
    const m = model(edited({ 'zones/dev.yaml': zoneBaseUrl(ZONE_URL) }));
    const dev = resolveZone(m, 'dev').workloads.find((w) => w.name === 'open-meteo')?.packs[0]?.pack.value;
    expect(dev?.upstream.baseUrls).toEqual({
      dev: ZONE_URL,
      staging: 'https://api.open-meteo.com/v1',
      prod: 'https://api.open-meteo.com/v1',
    });
    const prod = resolveZone(m, 'prod').workloads.find((w) => w.name === 'open-meteo')?.packs[0]?.pack;
    expect(prod).toBe(m.packs.find((p) => p.value.name === 'open-meteo'));
  });

  it('bakes it into the pack-server image for the zone', () => {
    const [plan] = planZoneImages(model(files), 'dev', {
      revision: 'local',
      runtime: [],
      only: ['open-meteo'],
    });
    const layer = plan?.layers.find((l) => l.comment === 'packs');
    const json = String(layer?.files[0]?.content);
    expect(JSON.parse(json).upstream.baseUrls).toEqual({ dev: ZONE_URL });
  });

  it('leaves a pack whose zones give no baseUrl the very same object (so its output is byte for byte unchanged)', () => {
    const m = model(exampleFiles());
    for (const zone of ['dev', 'staging', 'prod']) {
      for (const { packs } of resolveZone(m, zone).workloads) {
        for (const ref of packs) expect(m.packs).toContain(ref.pack);
      }
    }
  });
});
