/**
 * The Electron IPC channels of the API, named once for both ends: the preload (electron/preload/index.ts)
 * sends on them, main (electron/main/ipc.ts) answers and pushes.
 */

/** ipcRenderer.invoke → ipcMain.handle: one API call, answered with an ApiResponse. */
export const CALL_CHANNEL = 'hindsight:call';
/** webContents.send → ipcRenderer.on: a batch of API events. */
export const EVENTS_CHANNEL = 'hindsight:events';
