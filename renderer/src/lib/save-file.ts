/**
 * Saving something the user asked for: in the desktop app through the native "Save as" dialog (the
 * dialog.save shell method), in a browser as a download. Returns false when the user cancelled.
 */
import type { Backend } from './api/connection';
import { base64ToBytes } from './body/classify';

export interface SaveRequest {
  name: string;
  /** Exactly one of text and base64. */
  text?: string;
  base64?: string;
  mime?: string;
  filters?: { name: string; extensions: string[] }[];
}

export async function saveFile(backend: Backend, file: SaveRequest): Promise<boolean> {
  if (backend.shell === 'electron') {
    const content = file.text !== undefined ? { text: file.text } : { base64: file.base64 ?? '' };
    const result = await backend.client.call('dialog.save', { suggestedName: file.name, ...content, ...(file.filters ? { filters: file.filters } : {}) });
    return result.saved;
  }
  const data = file.text !== undefined ? file.text : base64ToBytes(file.base64 ?? '');
  const blob = new Blob([data as BlobPart], { type: file.mime ?? 'application/octet-stream' });
  download(URL.createObjectURL(blob), file.name, true);
  return true;
}

/** A browser download of a URL (a blob: URL is revoked once the download had time to start). */
export function download(href: string, name: string, revoke = false): void {
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  if (revoke) setTimeout(() => URL.revokeObjectURL(href), 30_000);
}

/** Copies text to the clipboard, falling back to a selection copy where the Clipboard API is refused. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}
