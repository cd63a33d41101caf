import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitWindowState } from '../../../electron/main/window-state';

const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

test('saved state is kept when on a display, position dropped when off every display, size clamped', () => {
  assert.deepEqual(
    [
      fitWindowState({ x: 10, y: 20, width: 1000, height: 700, maximized: true }, screen),
      fitWindowState({ x: 3000, y: 20, width: 1000, height: 700 }, screen),
      fitWindowState({ width: 10, height: 'big' }, screen),
      fitWindowState(null, screen),
    ],
    [
      { x: 10, y: 20, width: 1000, height: 700, maximized: true },
      { width: 1000, height: 700, maximized: false },
      { width: 640, height: 800, maximized: false },
      { width: 1280, height: 800, maximized: false },
    ],
  );
});
