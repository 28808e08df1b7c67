import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { importProblems } from '../../scripts/check-imports'

/** The import rules `npm run lint` checks (scripts/check-imports.ts), on small trees made here. */
const roots: string[] = []
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })))

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'check-imports-'))
  roots.push(root)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return root
}

describe('check-imports', () => {
  it('passes a tree whose imports go one way, main importing the engine', () => {
    const root = tree({
      'src/shared/a.ts': 'export const a = 1\n',
      'src/main/engine/e.ts': "import { a } from '../../shared/a'\nexport const e = a\n",
      'src/main/ipc/h.ts': "import { e } from '../engine/e'\nexport const h = e\n"
    })
    expect(importProblems(root)).toEqual({ files: 3, problems: [] })
  })

  it('EXPECTED FAILURE - a cycle of type-only imports is named with its files', () => {
    const root = tree({
      'src/renderer/store/types.ts': "import type { S } from './slice'\nexport type All = S\n",
      'src/renderer/store/slice.ts': "import type { All } from './types'\nexport type S = { all?: All }\n"
    })
    expect(importProblems(root).problems).toEqual([
      'import cycle (2 files): src/renderer/store/slice.ts → src/renderer/store/types.ts → src/renderer/store/slice.ts'
    ])
  })

  it('EXPECTED FAILURE - the engine importing main is named', () => {
    const root = tree({
      'src/main/storage/w.ts': 'export const w = 1\n',
      'src/main/engine/model/s.ts': "import { w } from '../../storage/w'\nexport const s = w\n"
    })
    expect(importProblems(root).problems).toEqual([
      'engine imports main: src/main/engine/model/s.ts → src/main/storage/w.ts'
    ])
  })

  it('EXPECTED FAILURE - the engine or main importing the bench is named; the CLI may', () => {
    const root = tree({
      'src/bench/b.ts': 'export const b = 1\n',
      'src/main/engine/pipeline/p.ts': "import { b } from '../../../bench/b'\nexport const p = b\n",
      'src/main/ipc/h.ts': "import { b } from '../../bench/b'\nexport const h = b\n",
      'src/cli/c.ts': "import { b } from '../bench/b'\nexport const c = b\n"
    })
    expect(importProblems(root).problems.sort()).toEqual([
      'engine imports the bench: src/main/engine/pipeline/p.ts → src/bench/b.ts',
      'main imports the bench: src/main/ipc/h.ts → src/bench/b.ts'
    ])
  })
})
