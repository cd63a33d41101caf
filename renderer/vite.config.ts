/**
 * Builds the renderer into dist/renderer/. `base: './'` makes every asset URL relative, so the same
 * bundle loads from file:// in the Electron window and from `hindsight serve`'s UI server.
 * The bundle imports pure code and types from electron/common (checked by test/unit/layers.test.ts).
 */
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: here('../dist/renderer'),
    emptyOutDir: true,
    // The app runs in one recent Chromium (Electron or the user's browser); no legacy transforms.
    target: 'es2022',
    // No inline <script> and no eval anywhere: the UI server and Electron send a strict CSP.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
  },
  server: { fs: { allow: [here('..')] } },
});
