import { defineConfig } from 'vitest/config'

// vitest 5's reporter calls Map.groupBy (Node 21+) when it prints a failure; on Node 20 the
// report itself then crashes and hides the error. Remove with Node 20 support.
const MapWithGroupBy = Map as { groupBy?: unknown }
MapWithGroupBy.groupBy ??= <K, T>(items: Iterable<T>, key: (item: T, index: number) => K): Map<K, T[]> => {
  const groups = new Map<K, T[]>()
  let i = 0
  for (const item of items) {
    const k = key(item, i++)
    groups.set(k, [...(groups.get(k) ?? []), item])
  }
  return groups
}

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
