import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'

export default defineConfig({
  // The engine worker and its generation thread are bundled through `?modulePath` imports in src/main.
  main: {
    build: { rollupOptions: { input: { index: resolve('src/main/index.ts') } } }
  },
  // Sandboxed preloads can't load ES modules: one CommonJS file.
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    resolve: { alias: { '@renderer': resolve('src/renderer/src') } },
    plugins: [react(), devServerCsp()]
  }
})

/**
 * `npm run dev` only: React Refresh injects an inline script and Vite's HMR talks over a
 * websocket, which the CSP of index.html forbids. Built pages keep the strict policy.
 */
function devServerCsp(): Plugin {
  return {
    name: 'cache-studio:dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html
        .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws://localhost:*")
  }
}
