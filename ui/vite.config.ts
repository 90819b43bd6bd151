import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built into the package (`dist/ui`) and served by `baton serve`: no CDN, no inline script, so the
// server's Content-Security-Policy can forbid inline scripts.
export default defineConfig({
  root: 'ui',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1000,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:4173' } },
});
