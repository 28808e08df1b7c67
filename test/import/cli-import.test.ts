import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { studio } from '../cli-harness'
import { fluxFolder } from './helpers'

const src = fluxFolder('onnx-variants/transformer-external-data')
const models = mkdtempSync(join(tmpdir(), 'flux-cli-'))
afterAll(() => {
  src.cleanup()
  rmSync(models, { recursive: true, force: true })
})

describe('studio import / inspect', () => {
  it('imports a folder with progress lines, recognises the re-import, and inspect shows what was found', async () => {
    const first = await studio('import', src.dir, '--name', 'Tiny FLUX', '--models-dir', models)
    expect(first.code).toBe(0)
    expect(first.err).toContain('  transformer_blocks: 2 blocks, Pattern_1')
    expect(first.out[0]).toBe(`imported: tiny-flux (${join(models, 'tiny-flux')})`)
    // The line to copy names the flag generate reads.
    expect(first.out[1]).toContain(`generate --model tiny-flux --models-dir ${models} `)
    // --models, the flag's old name, still works.
    const again = await studio('import', src.dir, '--models', models)
    expect(again.out[0]).toBe(`already imported: tiny-flux (${join(models, 'tiny-flux')})`)

    const shown = await studio('inspect', '--model', 'tiny-flux', '--models-dir', models)
    expect(shown.code).toBe(0)
    const text = shown.out.join('\n')
    expect(text).toContain('imported flux, image, fp32, torchscript export')
    expect(text).toContain('single_transformer_blocks: 4 blocks, Pattern_1')
    expect(text).toMatch(/contexts {2}3/)
    expect(text).toMatch(/transformer\/model\.onnx_data \(\d+ KiB\), referenced in place/)
  })

  it('refuses a folder that is not a diffusers export with one line and exit code 1', async () => {
    const r = await studio('import', models, '--models', models)
    expect(r.code).toBe(1)
    expect(r.err).toHaveLength(1)
    expect(r.err[0]).toMatch(/model_index\.json: missing/)
  })
})
