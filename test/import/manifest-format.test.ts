import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isImportedPackage } from '../../src/main/engine/import/imported-info'
import { readImportedManifest } from '../../src/main/engine/import/imported-manifest-file'

describe('imported package formats', () => {
  it('a package of the FLUX-only first format is recognised as imported and refused with "import the folder again"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'old-import-'))
    try {
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'cache-studio-import/1', id: 'old' }))
      expect(await isImportedPackage(dir)).toBe(true)
      await expect(readImportedManifest(dir)).rejects.toThrow(
        /cache-studio-import\/1\); import the folder again$/
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
