/**
 * The Electron transport of the API: one invoke channel for calls, one push channel for event batches.
 * Every call is checked against the sender: it must come from the main frame of one of our windows,
 * showing our own page (electron/electron security checklist, "validate the sender of all IPC messages").
 * The allow-list check on the method itself is the dispatcher's (and the preload's, before sending).
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ApiEventBatch } from '../common/api';
import type { Disposable } from '../common/events';
import type { ApiServerSide } from '../core/api/dispatcher';
import { isAppUrl, type AppOrigin } from './security';
import { CALL_CHANNEL, EVENTS_CHANNEL } from '../common/ipc-channels';

export class ForeignSenderError extends Error {
  override name = 'ForeignSenderError';
}

export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, windows: ReadonlySet<WebContents>, origin: AppOrigin): boolean {
  const frame = event.senderFrame;
  if (!frame || !windows.has(event.sender)) return false;
  // Only the top frame: an iframe (even of our origin) never gets to call the API.
  if (frame.parent !== null || frame !== event.sender.mainFrame) return false;
  return isAppUrl(frame.url, origin);
}

export interface ApiIpc extends Disposable {
  /** Starts pushing event batches to a window's renderer until the window goes away. */
  attach(contents: WebContents): void;
  /** Sends events that do not come from the core (LAN refusals, system proxy changes) to every window. */
  broadcast(batch: ApiEventBatch): void;
}

export function registerApiIpc(ipcMain: IpcMain, server: ApiServerSide, origin: AppOrigin): ApiIpc {
  const windows = new Set<WebContents>();
  const subscriptions = new Map<WebContents, Disposable>();
  ipcMain.handle(CALL_CHANNEL, (event, request: unknown) => {
    if (!isTrustedSender(event, windows, origin)) {
      throw new ForeignSenderError(`refused: API call from a frame that is not Hindsight's window (${event.senderFrame?.url ?? 'unknown'})`);
    }
    return server.handle(request);
  });
  const detach = (contents: WebContents) => {
    windows.delete(contents);
    subscriptions.get(contents)?.dispose();
    subscriptions.delete(contents);
  };
  return {
    attach(contents) {
      windows.add(contents);
      subscriptions.set(
        contents,
        server.subscribe((batch) => {
          if (!contents.isDestroyed()) contents.send(EVENTS_CHANNEL, batch);
        }),
      );
      contents.once('destroyed', () => detach(contents));
    },
    broadcast(batch) {
      for (const contents of windows) if (!contents.isDestroyed()) contents.send(EVENTS_CHANNEL, batch);
    },
    dispose() {
      ipcMain.removeHandler(CALL_CHANNEL);
      for (const contents of [...windows]) detach(contents);
    },
  };
}
