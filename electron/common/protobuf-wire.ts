/**
 * Protocol Buffers wire format, decoded into a plain field tree for display (a gRPC message's payload).
 * https://protobuf.dev/programming-guides/encoding/
 *
 * Without a schema every field shows its number, wire type and the readings its bytes allow: a varint as
 * unsigned and (when they differ) signed and zigzag; fixed32/fixed64 as unsigned, signed and float/double; a
 * length-delimited field as text when it is printable UTF-8, else as a nested message when its bytes parse as
 * one completely, else as text when valid UTF-8, else as bytes. With a schema (MessageSchema, built in the core
 * from .proto files by protobufjs) fields get their names and are read as their declared types: enums by name,
 * packed repeated scalars as lists, nested and map messages by their own schema.
 *
 * Hostile input must not stall the proxy or the UI: every byte is read at most once per nesting level, nesting
 * stops at MAX_DEPTH, and one decode yields at most MAX_FIELDS fields; a declared length past the end of the
 * bytes is an error, never an allocation. Pure code (no node:*): the core decodes, the renderer only renders.
 */
import { decodeUtf8 } from './utf8';

/** How deep nested messages are decoded; deeper ones are shown as bytes. */
export const MAX_DEPTH = 32;
/** Fields one decode yields at most (the rest are left out and the result says so). */
export const MAX_FIELDS = 5_000;
/** Bytes of a bytes field (or text) kept for display. */
const MAX_SHOWN = 1_024;

export type WireType = 'varint' | 'fixed64' | 'len' | 'fixed32' | 'group';

/** One decoded field. Plain data: 64-bit numbers are decimal strings. */
export interface ProtoField {
  number: number;
  wire: WireType;
  /** From the schema. */
  name?: string;
  /** The declared type from the schema: a scalar (int32, string …), or a message or enum's full name. */
  type?: string;
  /** The field's value as shown (a number, text, enum name, hex of bytes); absent for a nested message. */
  value?: string;
  /** How the value reads: text, bytes, message, packed (a list in `value`). */
  as?: 'text' | 'bytes' | 'message' | 'packed';
  /** Other readings of the same bits (schema-less): "signed -1", "zigzag -3", "float 1.5". */
  hints?: string[];
  /** A nested message's fields. */
  fields?: ProtoField[];
  /** Length of a length-delimited field in bytes. */
  size?: number;
  /** The value shown is cut short (long text or bytes). */
  cut?: boolean;
}

export interface DecodedMessage {
  /** The message type used (from the schema), when one was. */
  type?: string;
  fields: ProtoField[];
  /** Why decoding stopped early: the rest of the bytes is not shown as fields. */
  error?: string;
}

/** A field as the schema declares it (electron/core/grpc/schema.ts adapts protobufjs to this). */
export interface FieldSchema {
  name: string;
  /** A scalar type name (int32, sint64, string, bytes, bool, double …), or 'message' / 'enum'. */
  type: string;
  /** The message or enum's full name, for 'message' and 'enum'. */
  typeName?: string;
  repeated?: boolean;
  /** For 'message' (and map entries): the nested schema, resolved lazily. */
  message?: () => MessageSchema | undefined;
  /** For 'enum': the name of a value. */
  enumName?: (value: number) => string | undefined;
}

export interface MessageSchema {
  name: string;
  field(number: number): FieldSchema | undefined;
}

class WireError extends Error {}

interface Budget {
  fields: number;
}


/** Decodes one message. Never throws: what cannot be read is named in `error`. */
export function decodeProtobuf(bytes: Uint8Array, schema?: MessageSchema): DecodedMessage {
  const budget: Budget = { fields: MAX_FIELDS };
  const result: DecodedMessage = { fields: [] };
  if (schema) result.type = schema.name;
  try {
    readFields(bytes, 0, bytes.length, 0, schema, budget, result.fields);
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    result.error = err.message;
  }
  return result;
}

/** The fields in bytes[start, end); throws WireError on malformed input, keeping what was read in `out`. */
function readFields(bytes: Uint8Array, start: number, end: number, depth: number, schema: MessageSchema | undefined, budget: Budget, out: ProtoField[]): void {
  let pos = start;
  while (pos < end) {
    if (budget.fields <= 0) throw new WireError(`more than ${MAX_FIELDS} fields: the rest is not shown`);
    budget.fields--;
    const at = pos;
    const tag = readVarint(bytes, pos, end);
    pos = tag.end;
    const number = Number(tag.value >> 3n);
    const wireCode = Number(tag.value & 7n);
    if (number < 1 || number > 536_870_911) throw new WireError(`bad field number ${number} at byte ${at}`);
    const fieldSchema = schema?.field(number);
    let field: ProtoField;
    switch (wireCode) {
      case 0: {
        const v = readVarint(bytes, pos, end);
        pos = v.end;
        field = varintField(number, v.value, fieldSchema);
        break;
      }
      case 1: {
        if (end - pos < 8) throw new WireError(`fixed64 field ${number} at byte ${at} is cut short`);
        field = fixed64Field(number, bytes, pos, fieldSchema);
        pos += 8;
        break;
      }
      case 5: {
        if (end - pos < 4) throw new WireError(`fixed32 field ${number} at byte ${at} is cut short`);
        field = fixed32Field(number, bytes, pos, fieldSchema);
        pos += 4;
        break;
      }
      case 2: {
        const len = readVarint(bytes, pos, end);
        pos = len.end;
        if (len.value > BigInt(end - pos)) throw new WireError(`field ${number} at byte ${at} declares ${len.value} bytes; ${end - pos} are left`);
        const size = Number(len.value);
        field = lenField(number, bytes, pos, pos + size, depth, fieldSchema, budget);
        pos += size;
        break;
      }
      case 3:
      case 4:
        // Groups are deprecated and rare; their bounds are implicit, so the rest is not read.
        throw new WireError(`group field ${number} at byte ${at} (deprecated groups are not decoded)`);
      default:
        throw new WireError(`bad wire type ${wireCode} at byte ${at}`);
    }
    if (fieldSchema) {
      field.name = fieldSchema.name;
      field.type = fieldSchema.typeName ?? fieldSchema.type;
    }
    out.push(field);
  }
}

/** A varint of at most 10 bytes, as an unsigned 64-bit value. */
function readVarint(bytes: Uint8Array, pos: number, end: number): { value: bigint; end: number } {
  let small = 0;
  let i = 0;
  // Up to 4 bytes (28 bits) fit a 32-bit integer: the common case reads without BigInt.
  for (; i < 4; i++) {
    if (pos + i >= end) throw new WireError(`varint at byte ${pos} is cut short`);
    const b = bytes[pos + i];
    small |= (b & 0x7f) << (7 * i);
    if (b < 0x80) return { value: BigInt(small >>> 0), end: pos + i + 1 };
  }
  let value = BigInt(small >>> 0);
  for (; i < 10; i++) {
    if (pos + i >= end) throw new WireError(`varint at byte ${pos} is cut short`);
    const b = bytes[pos + i];
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return { value: BigInt.asUintN(64, value), end: pos + i + 1 };
  }
  throw new WireError(`varint at byte ${pos} is longer than 10 bytes`);
}

const zigzag = (v: bigint): bigint => (v >> 1n) ^ -(v & 1n);

function varintField(number: number, value: bigint, schema: FieldSchema | undefined): ProtoField {
  const field: ProtoField = { number, wire: 'varint', value: value.toString() };
  if (schema) {
    const read = readVarintAs(value, schema);
    if (read !== undefined) return { ...field, value: read };
    return field;
  }
  const hints: string[] = [];
  const signed = BigInt.asIntN(64, value);
  if (signed < 0n) hints.push(`signed ${signed}`);
  const zz = zigzag(value);
  if (zz !== value) hints.push(`zigzag ${zz}`);
  if (hints.length) field.hints = hints;
  return field;
}

/** A varint read as its declared type; undefined when the type is not a varint type. */
function readVarintAs(value: bigint, schema: FieldSchema): string | undefined {
  switch (schema.type) {
    case 'int32':
      return BigInt.asIntN(32, value).toString();
    case 'int64':
      return BigInt.asIntN(64, value).toString();
    case 'uint32':
      return BigInt.asUintN(32, value).toString();
    case 'uint64':
      return value.toString();
    case 'sint32':
      return BigInt.asIntN(32, zigzag(BigInt.asUintN(32, value))).toString();
    case 'sint64':
      return zigzag(value).toString();
    case 'bool':
      return value === 0n ? 'false' : 'true';
    case 'enum': {
      const n = Number(BigInt.asIntN(32, value));
      return schema.enumName?.(n) ?? String(n);
    }
    default:
      return undefined;
  }
}

function view(bytes: Uint8Array, pos: number, length: number): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset + pos, length);
}

function fixed64Field(number: number, bytes: Uint8Array, pos: number, schema: FieldSchema | undefined): ProtoField {
  const dv = view(bytes, pos, 8);
  const unsigned = dv.getBigUint64(0, true);
  const field: ProtoField = { number, wire: 'fixed64', value: unsigned.toString() };
  switch (schema?.type) {
    case 'fixed64':
      return field;
    case 'sfixed64':
      return { ...field, value: dv.getBigInt64(0, true).toString() };
    case 'double':
      return { ...field, value: formatFloat(dv.getFloat64(0, true)) };
    case undefined:
      break;
    default:
      return field;
  }
  const hints: string[] = [];
  const signed = dv.getBigInt64(0, true);
  if (signed < 0n) hints.push(`signed ${signed}`);
  hints.push(`double ${formatFloat(dv.getFloat64(0, true))}`);
  field.hints = hints;
  return field;
}

function fixed32Field(number: number, bytes: Uint8Array, pos: number, schema: FieldSchema | undefined): ProtoField {
  const dv = view(bytes, pos, 4);
  const field: ProtoField = { number, wire: 'fixed32', value: String(dv.getUint32(0, true)) };
  switch (schema?.type) {
    case 'fixed32':
      return field;
    case 'sfixed32':
      return { ...field, value: String(dv.getInt32(0, true)) };
    case 'float':
      return { ...field, value: formatFloat(dv.getFloat32(0, true)) };
    case undefined:
      break;
    default:
      return field;
  }
  const hints: string[] = [];
  const signed = dv.getInt32(0, true);
  if (signed < 0) hints.push(`signed ${signed}`);
  hints.push(`float ${formatFloat(dv.getFloat32(0, true))}`);
  field.hints = hints;
  return field;
}

function formatFloat(n: number): string {
  if (Number.isInteger(n) || !Number.isFinite(n)) return String(n);
  // Float32 values carry noise past 7 significant digits; Number() drops trailing zeros.
  return String(Number(n.toPrecision(9)));
}

const PACKABLE_VARINT = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool', 'enum']);
const PACKABLE_FIXED32 = new Set(['fixed32', 'sfixed32', 'float']);
const PACKABLE_FIXED64 = new Set(['fixed64', 'sfixed64', 'double']);

function lenField(number: number, bytes: Uint8Array, start: number, end: number, depth: number, schema: FieldSchema | undefined, budget: Budget): ProtoField {
  const size = end - start;
  const field: ProtoField = { number, wire: 'len', size };
  if (schema) {
    const type = schema.type;
    if (type === 'string') return { ...field, ...(textValue(bytes, start, end) ?? { as: 'bytes', ...hexValue(bytes, start, end) }) };
    if (type === 'bytes') return { ...field, as: 'bytes', ...hexValue(bytes, start, end) };
    if (type === 'message') {
      const nested = schema.message?.();
      if (depth + 1 < MAX_DEPTH) {
        const fields: ProtoField[] = [];
        try {
          readFields(bytes, start, end, depth + 1, nested, budget, fields);
          return { ...field, as: 'message', fields };
        } catch (err) {
          if (!(err instanceof WireError)) throw err;
          // Not the declared message after all: show the bytes (the schema may be out of date).
        }
      }
      return { ...field, as: 'bytes', ...hexValue(bytes, start, end) };
    }
    if (schema.repeated && (PACKABLE_VARINT.has(type) || PACKABLE_FIXED32.has(type) || PACKABLE_FIXED64.has(type))) {
      const packed = readPacked(bytes, start, end, schema, budget);
      if (packed !== undefined) return { ...field, as: 'packed', value: packed };
    }
    // A declared scalar that came length-delimited: the schema does not match; fall back to guessing.
  }
  if (size === 0) return { ...field, as: 'text', value: '' };
  const text = printableText(bytes, start, end);
  if (text !== undefined) return { ...field, ...text };
  if (depth + 1 < MAX_DEPTH) {
    const fields: ProtoField[] = [];
    const before = budget.fields;
    try {
      readFields(bytes, start, end, depth + 1, undefined, budget, fields);
      return { ...field, as: 'message', fields };
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      // A failed guess gives its field budget back: it shows nothing.
      budget.fields = before;
    }
  }
  return { ...field, ...(textValue(bytes, start, end) ?? { as: 'bytes', ...hexValue(bytes, start, end) }) };
}

/** A packed repeated scalar as a comma-separated list; undefined when the bytes do not divide into values. */
function readPacked(bytes: Uint8Array, start: number, end: number, schema: FieldSchema, budget: Budget): string | undefined {
  const values: string[] = [];
  let pos = start;
  let length = 0;
  const width = PACKABLE_FIXED32.has(schema.type) ? 4 : PACKABLE_FIXED64.has(schema.type) ? 8 : 0;
  try {
    while (pos < end) {
      if (budget.fields <= 0) throw new WireError(`more than ${MAX_FIELDS} fields: the rest is not shown`);
      budget.fields--;
      let value: string;
      if (width === 0) {
        const v = readVarint(bytes, pos, end);
        pos = v.end;
        value = readVarintAs(v.value, schema) ?? v.value.toString();
      } else {
        if (end - pos < width) return undefined;
        const f = width === 4 ? fixed32Field(0, bytes, pos, schema) : fixed64Field(0, bytes, pos, schema);
        pos += width;
        value = f.value ?? '';
      }
      // The shown list is bounded like text; the values past it are still counted by the budget.
      if (length < MAX_SHOWN) values.push(value);
      length += value.length + 2;
    }
  } catch (err) {
    if (err instanceof WireError && budget.fields > 0) return undefined;
    throw err;
  }
  return `[${values.join(', ')}${length > MAX_SHOWN ? ', …' : ''}]`;
}

/** Text whose characters are all printable (tab, LF and CR allowed); undefined otherwise. */
function printableText(bytes: Uint8Array, start: number, end: number): { as: 'text'; value: string; cut?: boolean } | undefined {
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b < 0x20 ? b !== 9 && b !== 10 && b !== 13 : b === 0x7f) return undefined;
  }
  return textValue(bytes, start, end);
}

/** Valid UTF-8 as text (cut to MAX_SHOWN characters); undefined when not UTF-8. */
function textValue(bytes: Uint8Array, start: number, end: number): { as: 'text'; value: string; cut?: boolean } | undefined {
  const text = decodeUtf8(bytes, start, end);
  if (text === undefined) return undefined;
  return text.length > MAX_SHOWN ? { as: 'text', value: text.slice(0, MAX_SHOWN), cut: true } : { as: 'text', value: text };
}

function hexValue(bytes: Uint8Array, start: number, end: number): { value: string; cut?: boolean } {
  const shown = Math.min(end - start, MAX_SHOWN / 2);
  let hex = '';
  for (let i = 0; i < shown; i++) hex += (i ? ' ' : '') + bytes[start + i].toString(16).padStart(2, '0');
  return shown < end - start ? { value: hex, cut: true } : { value: hex };
}

/** One line for a list row: `name: "Ada", times: 3, inner: {…}` (numbers for unnamed fields), cut at `max`. */
export function protoSummary(decoded: DecodedMessage, max = 300): string {
  let out = '';
  for (const field of decoded.fields) {
    if (out.length >= max) break;
    const value = field.as === 'message' ? '{…}' : field.as === 'text' ? JSON.stringify(field.value) : (field.value ?? '');
    out += `${out ? ', ' : ''}${field.name ?? field.number}: ${value}`;
  }
  if (!out) out = decoded.error ? `(not protobuf: ${decoded.error})` : '(empty message)';
  return out.length > max ? out.slice(0, max) : out;
}
