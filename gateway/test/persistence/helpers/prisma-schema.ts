/**
 * A deliberately small reader of the Prisma schema language, enough for gateway/prisma/schema.prisma: models,
 * scalar fields, `?`/`[]`, @id, @default, @map, @db.*, @@map, @@index. Anything else (relations, enums, @unique,
 * composite ids) throws, so the schema cannot grow past what the agreement test checks without the test growing
 * too. (`prisma migrate diff` would do this, but it needs the schema engine, which cannot be downloaded here.)
 */

export interface PslField {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
  id: boolean;
  default: string | null;
  dbType: string | null;
}

export interface PslIndex {
  name: string;
  columns: { column: string; desc: boolean }[];
}

export interface PslModel {
  name: string;
  table: string;
  fields: PslField[];
  indexes: PslIndex[];
}

const SCALARS = new Set([
  'String',
  'Int',
  'BigInt',
  'Float',
  'Boolean',
  'DateTime',
  'Json',
  'Decimal',
  'Bytes',
]);
const FIELD_ATTRIBUTES = /^@(id|default|map|db\.)/;

export function parsePrismaSchema(source: string): PslModel[] {
  const lines = source.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim());
  const models: PslModel[] = [];
  let current: PslModel | null = null;
  for (const [index, line] of lines.entries()) {
    const where = `schema.prisma:${index + 1}`;
    if (line === '') continue;
    if (current === null) {
      const model = /^model\s+(\w+)\s*\{$/.exec(line);
      if (model) current = { name: model[1]!, table: model[1]!, fields: [], indexes: [] };
      else if (/^(enum|type|view)\b/.test(line))
        throw new Error(`${where}: '${line}' is not supported by this reader`);
      continue;
    }
    if (line === '}') {
      models.push(current);
      current = null;
      continue;
    }
    if (line.startsWith('@@')) {
      parseBlockAttribute(current, line, where);
      continue;
    }
    current.fields.push(parseField(line, where));
  }
  for (const model of models) {
    for (const idx of model.indexes) {
      for (const c of idx.columns) {
        const field = model.fields.find((f) => f.name === c.column);
        if (!field) throw new Error(`@@index ${idx.name} names unknown field ${c.column}`);
        c.column = field.column;
      }
    }
  }
  return models;
}

function parseField(line: string, where: string): PslField {
  const m = /^(\w+)\s+(\w+)(\?|\[\])?\s*(.*)$/.exec(line);
  if (!m) throw new Error(`${where}: cannot read field '${line}'`);
  const [, name, type, modifier, rest] = m as unknown as [string, string, string, string | undefined, string];
  if (!SCALARS.has(type)) throw new Error(`${where}: field type ${type} (relations, enums) is not supported`);
  const attributes = rest.match(/@[\w.]+(\([^)]*\)(\))?)?/g) ?? [];
  const field: PslField = {
    name,
    column: name,
    type,
    optional: modifier === '?',
    list: modifier === '[]',
    id: false,
    default: null,
    dbType: null,
  };
  for (const attribute of attributes) {
    if (!FIELD_ATTRIBUTES.test(attribute))
      throw new Error(`${where}: attribute ${attribute} is not supported`);
    if (attribute === '@id') field.id = true;
    else if (attribute.startsWith('@default(')) field.default = attribute.slice('@default('.length, -1);
    else if (attribute.startsWith('@map(')) field.column = JSON.parse(attribute.slice('@map('.length, -1));
    else if (attribute.startsWith('@db.')) field.dbType = attribute.slice('@db.'.length);
  }
  return field;
}

function parseBlockAttribute(model: PslModel, line: string, where: string): void {
  const map = /^@@map\("([^"]+)"\)$/.exec(line);
  if (map) {
    model.table = map[1]!;
    return;
  }
  const index = /^@@index\(\[([^\]]+)\](?:,\s*map:\s*"([^"]+)")?\)$/.exec(line);
  if (!index) throw new Error(`${where}: '${line}' is not supported by this reader`);
  if (!index[2]) throw new Error(`${where}: give every @@index an explicit map: name`);
  const columns = index[1]!.split(',').map((part) => {
    const c = /^\s*(\w+)(?:\(sort:\s*(Asc|Desc)\))?\s*$/.exec(part);
    if (!c) throw new Error(`${where}: cannot read index column '${part}'`);
    return { column: c[1]!, desc: c[2] === 'Desc' };
  });
  model.indexes.push({ name: index[2], columns });
}
