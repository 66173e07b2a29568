import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer: built once, loaded by Electron from disk and by browser mode over HTTP.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
