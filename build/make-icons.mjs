// Renders build/icon.svg into the PNG sizes the packages and the tray use (run after editing the SVG:
// `node build/make-icons.mjs`). electron-builder derives .ico and .icns from build/icons/512x512.png
// and build/icon.png at packaging time.
import { Resvg } from '@resvg/resvg-js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const svg = readFileSync(path.join(here, 'icon.svg'));
const render = (size) => new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render().asPng();

mkdirSync(path.join(here, 'icons'), { recursive: true });
for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
  writeFileSync(path.join(here, 'icons', `${size}x${size}.png`), render(size));
}
writeFileSync(path.join(here, 'icon.png'), render(1024));
// The tray shows 16–22 px logical; 32 px stays sharp on HiDPI panels.
writeFileSync(path.join(here, 'icons', 'tray.png'), render(32));
console.log('icons written to build/icons/');
