import { defineConfig } from 'vitest/config'
import './test/node20-shim.mjs'

// Renderer tests in a real Chromium against the built renderer (`npm run build` first).
export default defineConfig({
  test: {
    include: ['test/renderer/**/*.e2e.test.ts'],
    setupFiles: ['test/renderer/harness/mock-electron.ts'],
    // Chromium and the engine child start per file; a 2-core CI machine needs the room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false
  }
})
