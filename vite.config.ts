import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer: built once, loaded by Electron from disk and by browser mode over HTTP.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  resolve: {
    alias: {
      // src/titles/format.ts (shared with the CLI) uses csv-stringify; its Node build needs `Buffer`, so the renderer
      // takes the same library's browser build (same code, with its own Buffer shim) and exports the same bytes.
      'csv-stringify/sync': 'csv-stringify/browser/esm/sync',
      // The same for csv-parse (renderer/titles/files.ts reads CSV URL lists with it).
      'csv-parse/sync': 'csv-parse/browser/esm/sync',
    },
  },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
