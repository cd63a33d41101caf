// The app version, read once from package.json (works from source and from dist/).
import fs from 'node:fs';
import path from 'node:path';

function findVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return JSON.parse(fs.readFileSync(path.join(__dirname, rel), 'utf8')).version as string;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}
export const version: string = findVersion();
