/**
 * Postman Collection v2.1 export: one item per request, a folder per origin, and each origin lifted into a
 * collection variable (`{{host_api_example_com}}`) so the whole collection can be pointed at another
 * server by changing one value. Items are built with postman-collection's Item, one at a time.
 *
 * Replays are kept faithful with Postman's per-request protocolProfileBehavior: the URL is sent as
 * written (no re-encoding), redirects are not followed, the cookie jar stays out, bodies are kept on GET,
 * and the headers Postman would add on its own (Postman-Token, Accept, …) are switched off unless the
 * captured request had them. Host and Content-Length are left to Postman, which derives them from the URL
 * and body. Binary bodies cannot be text in a collection: they go to files beside it (`mode: 'file'`).
 *
 * Streaming: folders need all of one origin's items together while flows arrive in capture order, so
 * each item is spooled to a temporary file as it is built and the document is assembled from it,
 * folder by folder, keeping only offsets in memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { onFirstUse } from '../base/on-first-use';
import { headerValue, mediaType, type Flow } from '../../common/flow';
import { utf8Text } from './body';
import { bodyFileName } from './curl';
import { ExportOutput } from './output';
import type { ExportRecord } from './records';

/** postman-collection brings faker's data with it: ~15 MB of a process's memory, so it is loaded by the first export. */
const postman = onFirstUse(() => require('postman-collection') as typeof import('postman-collection'));

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

export interface PostmanOptions {
  /** Collection name shown in Postman. */
  name: string;
  /** Writes a binary request body beside the collection; without it such bodies are left out (and said so). */
  writeFile?: (name: string, bytes: Buffer) => Promise<void>;
}

/** Headers Postman sends by itself, and which it lets a request switch off. */
const SYSTEM_HEADERS = ['accept', 'accept-encoding', 'cache-control', 'connection', 'content-type', 'postman-token', 'user-agent'];
/** Left out of items: Postman derives Host and Content-Length; the proxy headers were for Hindsight. */
const DROPPED = new Set(['host', 'content-length', 'proxy-connection', 'proxy-authorization']);

/** Splits an absolute URL into its origin (scheme://authority) and the rest (path + query, no fragment). */
export function splitOrigin(url: string): { origin: string; rest: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)([^#]*)/i.exec(url);
  if (!m) return { origin: '', rest: url };
  return { origin: m[1], rest: m[2] || '/' };
}

/** Assigns each origin a collection variable name, stable in order of first appearance. */
export class OriginVariables {
  private readonly byOrigin = new Map<string, string>();
  private readonly used = new Set<string>();

  nameFor(origin: string): string {
    const known = this.byOrigin.get(origin);
    if (known) return known;
    const m = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)(?::(\d+))?$/i.exec(origin);
    const scheme = m?.[1]?.toLowerCase() ?? '';
    const port = m?.[3];
    const defaultPort = (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443');
    const base = `host_${(m?.[2] ?? origin).toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '')}${port && !defaultPort ? `_${port}` : ''}`;
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    this.byOrigin.set(origin, name);
    return name;
  }

  entries(): { key: string; value: string }[] {
    return [...this.byOrigin].map(([value, key]) => ({ key, value }));
  }
}

function itemName(flow: Flow, rest: string): string {
  const name = `${flow.request.method} ${rest}`;
  return name.length > 120 ? `${name.slice(0, 119)}…` : name;
}

/** Builds one collection item (plain JSON) for a flow's request. */
export async function toPostmanItem(record: Pick<ExportRecord, 'flow' | 'request'>, variable: string, options: Pick<PostmanOptions, 'writeFile'> = {}): Promise<object> {
  const { flow, request: stored } = record;
  const { method, url, headers, body: ref } = flow.request;
  const { rest } = splitOrigin(url);
  const notes = [`Captured by Hindsight at ${new Date(flow.startedAt).toISOString()} from ${flow.client.ip} (flow ${flow.id}).`];
  if (flow.comment) notes.push(flow.comment);

  const header = headers.filter(([name]) => !DROPPED.has(name.toLowerCase()) && !name.startsWith(':')).map(([key, value]) => ({ key, value }));
  const present = new Set(headers.map(([name]) => name.toLowerCase()));
  const disabledSystemHeaders = Object.fromEntries(SYSTEM_HEADERS.filter((h) => !present.has(h)).map((h) => [h, true]));

  let body: object | undefined;
  if (stored && stored.length > 0) {
    if (ref.truncated) notes.push(`Warning: the request body was truncated (${stored.length} of ${ref.size} bytes stored); this request sends only the stored part.`);
    const text = utf8Text(stored);
    if (text !== null) {
      const isJson = /[/+]json$/.test(mediaType(ref.contentType ?? headerValue(headers, 'content-type')) ?? '');
      body = { mode: 'raw', raw: text, ...(isJson ? { options: { raw: { language: 'json' } } } : {}) };
    } else if (options.writeFile) {
      const name = bodyFileName(flow.id);
      await options.writeFile(name, stored);
      body = { mode: 'file', file: { src: name } };
      notes.push(`The body (${stored.length} bytes) is the file ${name}, saved beside the collection.`);
    } else {
      notes.push(`The binary body (${stored.length} bytes) is not included.`);
    }
  } else if (ref.size > 0) {
    notes.push(`The request body (${ref.size} bytes) was not stored.`);
  }

  const definition = {
    id: flow.id,
    name: itemName(flow, rest),
    request: { method, url: `{{${variable}}}${rest}`, header, ...(body ? { body } : {}), description: notes.join('\n') },
    protocolProfileBehavior: {
      disableUrlEncoding: true,
      followRedirects: false,
      disableCookies: true,
      ...(body ? { disableBodyPruning: true } : {}),
      ...(Object.keys(disabledSystemHeaders).length ? { disabledSystemHeaders } : {}),
    },
  };
  const { Item } = postman();
  const json = new Item(definition as unknown as ConstructorParameters<typeof Item>[0]).toJSON() as { request: { url: object } };
  // Url.toJSON keeps only the parsed parts; Postman shows (and its own exports carry) `raw` as well.
  json.request.url = { raw: definition.request.url, ...json.request.url };
  return json;
}

/** Item JSON spooled to a temporary file, remembered per origin as [offset, length] pairs. */
class ItemSpool {
  private position = 0;
  readonly folders = new Map<string, number[]>();
  private constructor(
    readonly dir: string,
    private readonly handle: fs.promises.FileHandle,
  ) {}

  static async create(): Promise<ItemSpool> {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hindsight-postman-'));
    return new ItemSpool(dir, await fs.promises.open(path.join(dir, 'items.json'), 'w+'));
  }

  async add(origin: string, json: string): Promise<void> {
    const bytes = Buffer.from(json);
    await this.handle.write(bytes, 0, bytes.length, this.position);
    let spans = this.folders.get(origin);
    if (!spans) this.folders.set(origin, (spans = []));
    spans.push(this.position, bytes.length);
    this.position += bytes.length;
  }

  async read(offset: number, length: number): Promise<string> {
    const buffer = Buffer.alloc(length);
    await this.handle.read(buffer, 0, length, offset);
    return buffer.toString('utf8');
  }

  async dispose(): Promise<void> {
    await this.handle.close();
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Streams a Postman Collection v2.1 document of the records' requests, foldered by origin in order of first
 * appearance, items in capture order. Waits on the stream's backpressure. The caller ends `out`.
 */
export async function writePostman(records: AsyncIterable<ExportRecord> | Iterable<ExportRecord>, out: Writable, options: PostmanOptions): Promise<{ count: number }> {
  const variables = new OriginVariables();
  const spool = await ItemSpool.create();
  try {
    let count = 0;
    for await (const record of records) {
      const { origin } = splitOrigin(record.flow.request.url);
      const item = await toPostmanItem(record, variables.nameFor(origin), options);
      await spool.add(origin, JSON.stringify(item));
      count++;
    }
    const output = new ExportOutput(out);
    const info = { name: options.name, schema: POSTMAN_SCHEMA, description: `Exported by Hindsight: ${count} requests. Point a folder elsewhere by editing its host_… collection variable.` };
    await output.write(`{"info":${JSON.stringify(info)},"item":[`);
    let firstFolder = true;
    for (const [origin, spans] of spool.folders) {
      await output.write(`${firstFolder ? '' : ','}\n{"name":${JSON.stringify(origin)},"item":[`);
      firstFolder = false;
      for (let i = 0; i < spans.length; i += 2) await output.write(`${i ? ',' : ''}\n${await spool.read(spans[i], spans[i + 1])}`);
      await output.write(']}');
    }
    const variable = variables.entries().map((v) => ({ ...v, type: 'string' }));
    await output.write(`\n],"variable":${JSON.stringify(variable)}}\n`);
    await output.flush();
    return { count };
  } finally {
    await spool.dispose();
  }
}
