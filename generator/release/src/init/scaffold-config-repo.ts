import { type ChangeSet, changeSet } from '@raku/render';
import { Document } from 'yaml';
import { EXAMPLE_ZONES, examplePack, examplePolicy, exampleZones } from './example-config.ts';
import { checkScaffoldOptions, type ScaffoldOptions } from './scaffold-options.ts';
import { teamReadme } from './team-readme.ts';
import { workflowFiles } from './workflows.ts';

/**
 * The files of a new config repository (path → content): an example pack, dev/staging/prod zones, a policy,
 * the GitHub workflows that call Raku's actions at `@v1`, a README for the team, a package.json that pins
 * Raku and a .gitignore. Pure and deterministic; everything it returns passes `raku validate` as is.
 * Throws a UserError naming every bad option.
 */
export function scaffoldConfigRepo(options: ScaffoldOptions): ChangeSet {
  checkScaffoldOptions(options);
  const schema = (depth: number, kind: string) =>
    `${'../'.repeat(depth)}node_modules/${options.rakuPackage.name}/schema/${kind}.schema.json`;
  return changeSet([
    ['packs/weather/pack.yaml', configYaml(examplePack(), schema(2, 'pack'))],
    ...exampleZones(options).map(
      (zone) => [`zones/${zone.name}.yaml`, configYaml(zone, schema(1, 'zone'))] as const,
    ),
    ['policies/default.yaml', configYaml(examplePolicy(), schema(1, 'policy'))],
    ...workflowFiles(options.actionsOwner),
    ['README.md', teamReadme(options, EXAMPLE_ZONES)],
    ['package.json', packageJson(options)],
    ['.gitignore', ['node_modules/', 'out/', ''].join('\n')],
  ]);
}

/**
 * A pack, zone or policy as YAML, with the editor hint that points at the schema shipped in Raku's package
 * (installed by package.json), so editors complete and check fields.
 */
function configYaml(value: object, schemaPath: string): string {
  const doc = new Document(value);
  // On the first line, as editors look for it there.
  if (doc.contents) doc.contents.commentBefore = ` yaml-language-server: $schema=${schemaPath}`;
  return doc.toString({ lineWidth: 0 });
}

/**
 * Raku is a devDependency pinned to the exact version that scaffolded the repository: the team's local runs
 * (`npx raku …`) and scripts see the same version as each other, and an update is a reviewed pull request.
 */
function packageJson(options: ScaffoldOptions): string {
  const pkg = {
    name: options.name,
    private: true,
    description: 'Packs, zones and policies for Raku',
    scripts: {
      validate: 'raku validate',
      generate: 'raku generate',
      plan: 'raku plan --base origin/main',
    },
    devDependencies: { [options.rakuPackage.name]: options.rakuPackage.version },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}
