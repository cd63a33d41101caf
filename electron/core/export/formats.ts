/**
 * One entry point for every export format, shared by `hindsight export`, the API's `export.flows` and the UI
 * server's /api/export download: it asks the record source for the bodies the format needs and streams the
 * document to `out`.
 */
import type { Writable } from 'node:stream';
import type { ExportFormat } from '../../common/export-format';
import type { Flow } from '../../common/flow';
import { toCurl, type Shell } from './curl';
import { writeHar } from './har';
import { writeNdjson } from './ndjson';
import { ExportOutput } from './output';
import { writePostman } from './postman';
import type { ExportRecord } from './records';

export type BodySides = { request: boolean; response: boolean };
/** The records to export, reading only the body sides asked for. */
export type RecordsFor = (sides: BodySides) => AsyncIterable<ExportRecord>;

export interface ExportOptions {
  shell: Shell;
  /** Hindsight's version (HAR log.creator). */
  version: string;
  /** Writes a file the document refers to (binary bodies for curl and Postman); without it Postman leaves such bodies out. */
  writeFile?: (name: string, bytes: Buffer) => Promise<void>;
}

/** Every curl command of the export, one after another, with a blank line between them. */
async function writeCurl(records: AsyncIterable<ExportRecord>, out: Writable, shell: Shell, writeFile: (name: string, bytes: Buffer) => Promise<void>): Promise<{ count: number }> {
  const output = new ExportOutput(out);
  let count = 0;
  for await (const record of records) {
    const { command, files } = toCurl(record.flow, record.request, shell);
    for (const f of files) await writeFile(f.name, f.bytes);
    await output.write(`${count ? '\n' : ''}${command}\n`);
    count++;
  }
  await output.flush();
  return { count };
}

async function* flowsOf(records: AsyncIterable<ExportRecord>): AsyncGenerator<Flow> {
  for await (const r of records) yield r.flow;
}

/** Streams the export; the caller ends `out`. */
export function writeExport(format: ExportFormat, records: RecordsFor, out: Writable, options: ExportOptions): Promise<{ count: number }> {
  const writeFile = options.writeFile ?? (async () => {});
  switch (format) {
    case 'har':
      return writeHar(records({ request: true, response: true }), out, { version: options.version });
    case 'postman':
      return writePostman(records({ request: true, response: false }), out, {
        name: `Hindsight export ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`,
        ...(options.writeFile ? { writeFile: options.writeFile } : {}),
      });
    case 'curl':
      return writeCurl(records({ request: true, response: false }), out, options.shell, writeFile);
    case 'ndjson':
      return writeNdjson(flowsOf(records({ request: false, response: false })), out);
  }
}
