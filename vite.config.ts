import { fileURLToPath } from 'node:url'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'
import { regionAtlas } from './web/build/region-atlas.ts'

const webRoot = fileURLToPath(new URL('./web', import.meta.url))

/**
 * One build, two pages: the dashboard (index.html, served by `./bin/entente demo`) and the
 * watch officer's console (console.html, served by every node at `/`), output web/dist/.
 */
export default defineConfig({
  root: webRoot,
  base: './',
  plugins: [preact(), regionAtlas()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: {
      input: { dashboard: `${webRoot}/index.html`, console: `${webRoot}/console.html` },
    },
  },
  // changeOrigin: the demo server answers only requests addressed to localhost:<its port>.
  server: { proxy: { '/demo/api': { target: 'http://localhost:8080', changeOrigin: true } } },
})
