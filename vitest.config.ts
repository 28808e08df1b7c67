import { defineConfig } from 'vitest/config'
import './test/node20-shim.mjs'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/renderer/**/*.e2e.test.ts', 'node_modules/**'],
    // ONNX sessions and child processes: give real work time on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks'
  }
})
