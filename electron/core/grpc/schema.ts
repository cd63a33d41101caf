/**
 * The user's .proto files (`hindsight serve --proto DIR`), loaded with protobufjs: every .proto under each
 * folder, imports resolved against the folders given (as protoc's -I does), so the field tree of a gRPC
 * message gets field names, enum names and nested types. A call's message types come from its path
 * `/package.Service/Method`: the request type for messages to the server, the response type back.
 *
 * protobufjs reflection is adapted to the pure decoder's MessageSchema (electron/common/protobuf-wire.ts) so
 * decoding stays in common; encoding (mock answers from JSON) uses protobufjs itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import type protobuf from 'protobufjs';
import type { ProtoInfo } from '../../common/grpc';
import type { FieldSchema, MessageSchema } from '../../common/protobuf-wire';
import { onFirstUse } from '../base/on-first-use';

/** Files read at most, and how deep folders are walked: a folder of the whole disk given by mistake stops here. */
const MAX_FILES = 2_000;
const MAX_DIR_DEPTH = 12;

export interface ProtoLoadResult {
  /** .proto files loaded. */
  files: number;
  /** One line per file that did not load (its path and protobufjs's reason). */
  errors: string[];
}

/** protobufjs (~10 MB of a process's memory), loaded when .proto files are first loaded or a gRPC mock first answers. */
export const protobufjs = onFirstUse(() => require('protobufjs') as typeof import('protobufjs'));

export class ProtoSchemas {
  /** Undefined until something is loaded: no schema knows no types. */
  private root: protobuf.Root | undefined;
  private adapted = new WeakMap<protobuf.Type, MessageSchema>();
  private folders: string[] = [];
  private last: ProtoLoadResult = { files: 0, errors: [] };

  /** `fixed`: folders loaded with every load() (`serve --proto`), besides the ones it is given. */
  constructor(private readonly fixed: readonly string[] = []) {}

  /** What is loaded: the folders given to load(), the fixed ones, files and errors. */
  info(): ProtoInfo {
    return { folders: [...this.folders], fixed: [...this.fixed], files: this.last.files, errors: [...this.last.errors] };
  }

  /** Replaces what was loaded with every .proto under these folders and the fixed ones. A missing folder is an error line. */
  load(folders: readonly string[]): ProtoLoadResult {
    this.folders = [...folders];
    this.last = this.loadAll([...new Set([...this.fixed, ...folders])]);
    return this.last;
  }

  private loadAll(dirs: readonly string[]): ProtoLoadResult {
    const root = new (protobufjs().Root)();
    const includes = dirs.map((d) => path.resolve(d));
    root.resolvePath = (origin, target) => {
      if (path.isAbsolute(target)) return target;
      // Imports are relative to an include folder (protoc -I), else to the importing file.
      for (const dir of includes) {
        const candidate = path.join(dir, target);
        if (fs.existsSync(candidate)) return candidate;
      }
      return origin ? path.join(path.dirname(origin), target) : target;
    };
    const errors: string[] = [];
    const files: string[] = [];
    for (const dir of includes) {
      try {
        collectProtos(dir, 0, files);
      } catch (err) {
        errors.push(`${dir}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (err as Error).message}`);
      }
    }
    let loaded = 0;
    for (const file of files) {
      try {
        root.loadSync(file, { keepCase: true });
        loaded++;
      } catch (err) {
        errors.push(`${file}: ${(err as Error).message}`);
      }
    }
    try {
      root.resolveAll();
    } catch (err) {
      errors.push(`resolving types: ${(err as Error).message}`);
    }
    this.root = root;
    this.adapted = new WeakMap();
    return { files: loaded, errors };
  }

  /** The protobufjs type of a call's messages in one direction; undefined when the schema does not know it. */
  typeFor(service: string, method: string, dir: 'to-server' | 'to-client'): protobuf.Type | undefined {
    if (!service || !method) return undefined;
    let found: protobuf.Method | undefined;
    try {
      found = this.root?.lookupService(service).methods[method];
    } catch {
      return undefined;
    }
    if (!found) return undefined;
    try {
      found.resolve();
    } catch {
      return undefined;
    }
    return (dir === 'to-server' ? found.resolvedRequestType : found.resolvedResponseType) ?? undefined;
  }

  /** The same type, as the wire decoder reads it. */
  schemaFor(service: string, method: string, dir: 'to-server' | 'to-client'): MessageSchema | undefined {
    const type = this.typeFor(service, method, dir);
    return type ? this.adapt(type) : undefined;
  }

  private adapt(type: protobuf.Type): MessageSchema {
    const known = this.adapted.get(type);
    if (known) return known;
    const fields = new Map<number, FieldSchema>();
    const schema: MessageSchema = {
      name: type.fullName.replace(/^\./, ''),
      field: (number) => {
        const cached = fields.get(number);
        if (cached) return cached;
        const field = type.fieldsById[number];
        if (!field) return undefined;
        const adapted = this.adaptField(field);
        fields.set(number, adapted);
        return adapted;
      },
    };
    this.adapted.set(type, schema);
    return schema;
  }

  private adaptField(field: protobuf.Field): FieldSchema {
    field.resolve();
    if (field instanceof protobufjs().MapField) {
      // A map is a repeated entry message { key = 1; value = 2 }.
      const value = this.valueSchema('value', field.type, field.resolvedType);
      const key: FieldSchema = { name: 'key', type: field.keyType };
      const entry: MessageSchema = { name: `map<${field.keyType}, ${value.typeName ?? value.type}>`, field: (n) => (n === 1 ? key : n === 2 ? value : undefined) };
      return { name: field.name, type: 'message', typeName: entry.name, repeated: true, message: () => entry };
    }
    return { ...this.valueSchema(field.name, field.type, field.resolvedType), repeated: field.repeated };
  }

  private valueSchema(name: string, type: string, resolved: protobuf.Type | protobuf.Enum | null): FieldSchema {
    if (resolved instanceof protobufjs().Type) return { name, type: 'message', typeName: resolved.fullName.replace(/^\./, ''), message: () => this.adapt(resolved) };
    if (resolved instanceof protobufjs().Enum) {
      const e = resolved;
      return { name, type: 'enum', typeName: e.fullName.replace(/^\./, ''), enumName: (n) => e.valuesById[n] };
    }
    return { name, type };
  }
}

function collectProtos(dir: string, depth: number, out: string[]): void {
  if (depth > MAX_DIR_DEPTH) return;
  const stat = fs.statSync(dir);
  if (stat.isFile()) {
    if (dir.endsWith('.proto')) out.push(dir);
    return;
  }
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (out.length >= MAX_FILES) return;
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) collectProtos(full, depth + 1, out);
    else if (entry.isFile() && entry.name.endsWith('.proto')) out.push(full);
  }
}
