/**
 * The window's size, position and maximized state, remembered in the data dir between runs. A saved
 * position that no longer lies on any display (a monitor was unplugged) is dropped, keeping the size.
 */
import path from 'node:path';
import { readJsonFile, writeJsonFile } from '../core/base/json-file';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 800, maximized: false };
const MIN = { width: 640, height: 400 };

export function windowStateFile(dataDir: string): string {
  return path.join(dataDir, 'window-state.json');
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The saved state, made safe for the displays there are now. */
export function fitWindowState(raw: unknown, workAreas: Rect[]): WindowState {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Partial<WindowState>;
  const state: WindowState = {
    width: isInt(s.width) ? Math.max(MIN.width, Math.round(s.width)) : DEFAULT_WINDOW_STATE.width,
    height: isInt(s.height) ? Math.max(MIN.height, Math.round(s.height)) : DEFAULT_WINDOW_STATE.height,
    maximized: s.maximized === true,
  };
  if (isInt(s.x) && isInt(s.y)) {
    const x = Math.round(s.x);
    const y = Math.round(s.y);
    // Visible enough to grab: the title bar's first 100 px lie inside some display.
    const onScreen = workAreas.some((a) => x + 100 > a.x && x < a.x + a.width && y >= a.y && y < a.y + a.height);
    if (onScreen) Object.assign(state, { x, y });
  }
  return state;
}

export function loadWindowState(dataDir: string, workAreas: Rect[]): WindowState {
  try {
    return fitWindowState(readJsonFile(windowStateFile(dataDir)), workAreas);
  } catch {
    // A damaged file only costs the remembered size.
    return { ...DEFAULT_WINDOW_STATE };
  }
}

export function saveWindowState(dataDir: string, bounds: Rect, maximized: boolean): void {
  writeJsonFile(windowStateFile(dataDir), { ...bounds, maximized });
}
