/**
 * Vite build of the browser app: root is web/, output web/dist (served by server/web/serve-ui.ts).
 * Everything is bundled locally (no CDN). Route-level code splitting keeps the bpmn-js modeler out of the inbox:
 * pages are imported lazily in src/router.ts, and the big libraries get their own chunks.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
  },
  server: {
    // `npm run dev:web`: the API runs on :3000 (`npm start`)
    proxy: { '/api': { target: 'http://127.0.0.1:3000', changeOrigin: false } },
  },
});
