/**
 * HTTP/2 on or off, as set in Settings: kept in <data>/http2.json (owner-only, like every data file) and
 * applied to new connections at once (proxy.setHttp2). `serve --http2 off|auto` wins over it for that run:
 * the saved choice is still shown and changed, and applies from the next start without the flag.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Http2Info, Http2Mode } from '../../../common/http2-setting';
import { writePrivateFileAtomic } from '../../private-files';

export const http2SettingFile = (dataDir: string) => path.join(dataDir, 'http2.json');

/** The saved mode; 'auto' when the file is missing. A bad file never stops the start: `error` says why it was ignored. */
export function readHttp2Setting(file: string): { mode: Http2Mode; error?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { mode: 'auto' };
    return { mode: 'auto', error: `${file}: ${(err as Error).message}` };
  }
  try {
    const mode = (JSON.parse(text) as { mode?: unknown }).mode;
    if (mode === 'auto' || mode === 'off') return { mode };
    return { mode: 'auto', error: `${file}: 'mode' must be "auto" or "off"; HTTP/2 stays on` };
  } catch (err) {
    return { mode: 'auto', error: `${file} is not JSON (${(err as Error).message}); HTTP/2 stays on` };
  }
}

export interface Http2Service {
  info(): Http2Info;
  /** Saves the choice and, unless the command line fixed it for this run, applies it to new connections. */
  set(mode: Http2Mode): Http2Info;
}

/** `fromFlag`: this run's `serve --http2`; `apply`: switches the proxy (new connections). */
export function createHttp2Service(options: { dataDir: string; fromFlag: Http2Mode | undefined; saved: Http2Mode; apply: (on: boolean) => void }): Http2Service {
  let saved = options.saved;
  const info = (): Http2Info => ({ saved, effective: options.fromFlag ?? saved, ...(options.fromFlag ? { fromFlag: options.fromFlag } : {}) });
  return {
    info,
    set(mode) {
      writePrivateFileAtomic(http2SettingFile(options.dataDir), JSON.stringify({ version: 1, mode }, null, 2) + '\n');
      saved = mode;
      if (!options.fromFlag) options.apply(mode !== 'off');
      return info();
    },
  };
}
