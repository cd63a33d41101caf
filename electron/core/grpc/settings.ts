/**
 * The .proto folders set in Settings, kept in <data>/grpc.json (owner-only, like every data file) so they load
 * again at the next start. `serve --proto` folders are not kept: they belong to that command line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from '../private-files';

export const MAX_PROTO_FOLDERS = 20;

interface GrpcSettingsFile {
  version: 1;
  protoFolders: string[];
}

export const grpcSettingsFile = (dataDir: string) => path.join(dataDir, 'grpc.json');

/** The kept folders; none when the file is missing or unreadable (a bad file never stops the start). */
export function readProtoFolders(file: string): { folders: string[]; error?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { folders: [] };
    return { folders: [], error: `${file}: ${(err as Error).message}` };
  }
  try {
    const parsed = JSON.parse(text) as Partial<GrpcSettingsFile>;
    const folders = Array.isArray(parsed.protoFolders) ? parsed.protoFolders.filter((f): f is string => typeof f === 'string' && path.isAbsolute(f)) : [];
    return { folders: folders.slice(0, MAX_PROTO_FOLDERS) };
  } catch (err) {
    return { folders: [], error: `${file} is not JSON (${(err as Error).message}); the .proto folders set in Settings are not loaded` };
  }
}

export function writeProtoFolders(file: string, folders: string[]): void {
  const data: GrpcSettingsFile = { version: 1, protoFolders: folders };
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(data, null, 2) + '\n', { mode: PRIVATE_FILE_MODE });
  fs.renameSync(temp, file);
}

/** A folder the user typed: absolute and existing; else the reason, in one line. */
export function checkProtoFolder(folder: string): string | undefined {
  if (!path.isAbsolute(folder)) return `${folder}: give an absolute path`;
  try {
    const stat = fs.statSync(folder);
    if (!stat.isDirectory() && !folder.endsWith('.proto')) return `${folder}: not a folder or a .proto file`;
  } catch {
    return `${folder}: no such folder`;
  }
  return undefined;
}
