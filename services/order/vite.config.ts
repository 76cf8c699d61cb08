import { defineConfig } from 'vite';

// The order console: built into dist/src/console, which the service serves at /console/
// (and the image carries with the rest of dist/src).
export default defineConfig({
  root: 'console',
  base: '/console/',
  build: { outDir: '../dist/src/console', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
  logLevel: 'warn',
});
