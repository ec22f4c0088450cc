/**
 * Reads the pack definitions a pack server serves: one `<pack>.json` per pack (a `Pack` of the config model),
 * baked into the image at /app/packs or mounted from the pack ConfigMap. Each file is checked against
 * schema/pack.schema.json so a bad file fails the start with its name and the field, not a call later.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pack } from '@raku/config';
import { explainSchemaErrors, schemaValidators, UserError } from '@raku/config';

export function parsePack(file: string, text: string): Pack {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const validate = schemaValidators().pack;
  if (!validate(data)) {
    const problems = explainSchemaErrors(validate.errors ?? [], data)
      .slice(0, 5)
      .map((p) => `${p.path.join('.') || '(root)'}: ${p.message}`);
    throw new UserError(`${file}: not a valid pack: ${problems.join('; ')}`);
  }
  return data as Pack;
}

/** Every `*.json` in `dir`, sorted by file name. */
export async function readPacksDir(dir: string): Promise<Pack[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new UserError(`cannot read the packs folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  if (names.length === 0) throw new UserError(`${dir} holds no <pack>.json file`);
  return Promise.all(
    names.map(async (n) => {
      const file = path.join(dir, n);
      return parsePack(file, await readFile(file, 'utf8'));
    }),
  );
}
