// The in-process side of the validate bench: one cold run of what validateRepo does, in a fresh process, timed
// phase by phase (the same functions in the same order, phase after phase instead of file after file). Prints JSON.
import { readRepoFiles } from '../../generator/config/src/fs/read-repo.ts';
import { documentKind } from '../../generator/config/src/load/load-repo.ts';
import { explainSchemaErrors, schemaValidators } from '../../generator/config/src/load/schemas.ts';
import { parseYamlSource } from '../../generator/config/src/load/yaml-source.ts';
import { formatDiagnostics } from '../../generator/config/src/validate/format.ts';
import { makeRuleContext } from '../../generator/config/src/validate/rules/context.ts';
import { RULES, validateRepo } from '../../generator/config/src/validate/validate-repo.ts';

const [mode, dir = '.'] = process.argv.slice(2);
// Everything before this line (Node, tsx, the modules of the load path) is start-up.
const startup = performance.now();
const files = await readRepoFiles(dir);
const read = performance.now();
if (mode === 'whole') {
  const result = validateRepo(files);
  const done = performance.now();
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  process.stdout.write(
    JSON.stringify({
      startup,
      files: result.fileCount,
      errors,
      readMs: read - startup,
      validateMs: done - read,
    }),
  );
} else {
  const parsed = files.map((f) => ({ file: f, kind: documentKind(f.path), parsed: parseYamlSource(f) }));
  const parse = performance.now();
  const validators = schemaValidators();
  const model = { packs: [], zones: [], policies: [], tenants: [] } as Parameters<typeof makeRuleContext>[0];
  const positions = new Map(parsed.map((p) => [p.file.path, p.parsed.positions]));
  const diagnostics = parsed.flatMap((p) => p.parsed.diagnostics);
  for (const { file, kind, parsed: p } of parsed) {
    if (!kind || p.value == null) continue;
    const validate = validators[kind];
    if (!validate(p.value)) {
      explainSchemaErrors(validate.errors ?? [], p.value);
      continue;
    }
    const list =
      kind === 'pack'
        ? model.packs
        : kind === 'zone'
          ? model.zones
          : kind === 'tenant'
            ? model.tenants
            : model.policies;
    (list as unknown[]).push({ file: file.path, value: p.value });
  }
  const schema = performance.now();
  const ctx = makeRuleContext(model, positions, [], diagnostics);
  for (const rule of RULES) rule(ctx);
  const rules = performance.now();
  formatDiagnostics(diagnostics, 'text', files.length);
  const format = performance.now();
  process.stdout.write(
    JSON.stringify({
      startup,
      readMs: read - startup,
      parseMs: parse - read,
      schemaMs: schema - parse,
      rulesMs: rules - schema,
      formatMs: format - rules,
    }),
  );
}
