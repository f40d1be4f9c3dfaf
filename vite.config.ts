import { fileURLToPath } from 'node:url'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'
import { regionAtlas } from './web/build/region-atlas.ts'

const webRoot = fileURLToPath(new URL('./web', import.meta.url))

/** The dashboard: root web/, output web/dist/ (served by `./bin/entente demo`). */
export default defineConfig({
  root: webRoot,
  base: './',
  plugins: [preact(), regionAtlas()],
  build: { outDir: 'dist', emptyOutDir: true },
  // changeOrigin: the demo server answers only requests addressed to localhost:<its port>.
  server: { proxy: { '/demo/api': { target: 'http://localhost:8080', changeOrigin: true } } },
})
