/**
 * What the OTLP receivers of the tests share: a reader of the protobuf wire format (fields of
 * opentelemetry-proto's messages, read by number) and the decoding of OTLP attributes (KeyValue / AnyValue)
 * from protobuf and from OTLP/JSON.
 */

export type Wire = { no: number; varint?: bigint; bytes?: Buffer; fixed?: Buffer };

export function* wire(buf: Buffer): Generator<Wire> {
  let at = 0;
  const readVarint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  const take = (length: number): Buffer => {
    const slice = buf.subarray(at, at + length);
    at += length;
    return slice;
  };
  while (at < buf.length) {
    const tag = Number(readVarint());
    const no = tag >>> 3;
    switch (tag & 7) {
      case 0:
        yield { no, varint: readVarint() };
        break;
      case 1:
        yield { no, fixed: take(8) };
        break;
      case 2:
        yield { no, bytes: take(Number(readVarint())) };
        break;
      case 5:
        yield { no, fixed: take(4) };
        break;
      default:
        throw new Error(`unsupported protobuf wire type in field ${no}`);
    }
  }
}

export const text = (w: Wire) => w.bytes?.toString('utf8') ?? '';
export const hex = (w: Wire) => w.bytes?.toString('hex') ?? '';

export function anyValue(buf: Buffer): string | number | boolean {
  for (const w of wire(buf)) {
    if (w.no === 1) return text(w);
    if (w.no === 2) return w.varint === 1n;
    if (w.no === 3) return Number(BigInt.asIntN(64, w.varint ?? 0n));
    if (w.no === 4) return w.fixed!.readDoubleLE(0);
  }
  return '';
}

export function keyValue(buf: Buffer): [string, string | number | boolean] {
  let key = '';
  let value: string | number | boolean = '';
  for (const w of wire(buf)) {
    if (w.no === 1) key = text(w);
    else if (w.no === 2) value = anyValue(w.bytes!);
  }
  return [key, value];
}

// ---- OTLP/JSON attributes ----

type JsonValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
};
export type JsonAttributes = { key: string; value: JsonValue }[] | undefined;

export function jsonAttributes(list: JsonAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    out[key] =
      value.stringValue ??
      value.boolValue ??
      (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? ''));
  }
  return out;
}
