import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EngineFailure } from '../../src/main/engine/errors'
import { loadPackage } from '../../src/main/engine/model/package'
import { fixture } from './fixtures'

/** Each case copies a fixture to a temp folder, breaks one thing, and checks the load error. */

const copies: string[] = []
afterEach(() => {
  for (const d of copies.splice(0)) rmSync(d, { recursive: true, force: true })
})

function copyOf(name: string): string {
  // The temp parent is what is removed; removing only the copy inside it left the parent behind.
  const parent = mkdtempSync(join(tmpdir(), 'cs-manifest-'))
  copies.push(parent)
  const dir = join(parent, name)
  cpSync(fixture(name), dir, { recursive: true })
  return dir
}

function editManifest(dir: string, edit: (m: Record<string, unknown>) => void): void {
  const path = join(dir, 'model.json')
  const m = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
  edit(m)
  writeFileSync(path, JSON.stringify(m))
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at raw manifest JSON
type Raw = any

async function loadError(dir: string): Promise<EngineFailure> {
  try {
    await loadPackage(dir)
  } catch (e) {
    expect(e).toBeInstanceOf(EngineFailure)
    return e as EngineFailure
  }
  throw new Error('the package loaded')
}

describe('loadPackage', () => {
  it('loads every fixture package', async () => {
    for (const name of ['tiny-image', 'tiny-video', 'tiny-p0', 'tiny-p3', 'tiny-p4', 'tiny-p5']) {
      const pkg = await loadPackage(fixture(name))
      expect(pkg.manifest.id).toBe(name)
    }
  })

  it('EXPECTED FAILURE - missing model.json', async () => {
    const dir = copyOf('tiny-p3')
    unlinkSync(join(dir, 'model.json'))
    const e = await loadError(dir)
    expect(e.code).toBe('model_not_found')
    expect(e.message).toContain('model.json not found')
  })

  it('EXPECTED FAILURE - model.json is not JSON', async () => {
    const dir = copyOf('tiny-p3')
    writeFileSync(join(dir, 'model.json'), '{ "format": "cache-studio-model/1",')
    const e = await loadError(dir)
    expect(e.code).toBe('model_invalid')
    expect(e.message).toMatch(/model\.json: not valid JSON/)
  })

  it('EXPECTED FAILURE - schema violation names the field', async () => {
    const dir = copyOf('tiny-p3')
    editManifest(dir, (m) => (m.kind = 'audio'))
    const e = await loadError(dir)
    expect(e.code).toBe('model_invalid')
    expect(e.message).toMatch(/model\.json: kind: /)
  })

  it('EXPECTED FAILURE - a file without a sha256 entry', async () => {
    const dir = copyOf('tiny-p3')
    editManifest(dir, (m: Raw) => delete m.files['transformer/final.onnx'])
    const e = await loadError(dir)
    expect(e.message).toContain('"transformer/final.onnx" has no sha256 in files')
  })

  it('EXPECTED FAILURE - missing file', async () => {
    const dir = copyOf('tiny-p3')
    unlinkSync(join(dir, 'transformer/blocks_02.onnx'))
    const e = await loadError(dir)
    expect(e.code).toBe('model_invalid')
    expect(e.message).toMatch(/^transformer\/blocks_02\.onnx: missing/)
  })

  it('EXPECTED FAILURE - truncated ONNX file', async () => {
    const dir = copyOf('tiny-p3')
    const file = join(dir, 'transformer/blocks_01.onnx')
    truncateSync(file, Math.floor(readFileSync(file).length / 2))
    const e = await loadError(dir)
    expect(e.message).toMatch(
      /^transformer\/blocks_01\.onnx: truncated or corrupt \(\d+ bytes, not a readable ONNX model/
    )
  })

  it('EXPECTED FAILURE - sha256 mismatch', async () => {
    const dir = copyOf('tiny-p3')
    editManifest(dir, (m: Raw) => (m.files['text_encoder.onnx'] = '0'.repeat(64)))
    const e = await loadError(dir)
    expect(e.message).toMatch(/^text_encoder\.onnx: sha256 mismatch \(expected 0{64}, got [0-9a-f]{64}\)/)
  })

  it('EXPECTED FAILURE - changed tokenizer.json (still valid JSON) is a sha256 mismatch', async () => {
    const dir = copyOf('tiny-p3')
    const file = join(dir, 'tokenizer.json')
    writeFileSync(file, readFileSync(file, 'utf8') + '\n')
    const e = await loadError(dir)
    expect(e.message).toMatch(/^tokenizer\.json: sha256 mismatch/)
  })

  it('EXPECTED FAILURE - blocks whose inputs disagree with the declared pattern', async () => {
    const dir = copyOf('tiny-p3')
    editManifest(dir, (m: Raw) => (m.transformers[0].blockLists[0].pattern = 'Pattern_2'))
    const e = await loadError(dir)
    expect(e.message).toBe(
      'transformer/blocks_00.onnx: Pattern_2 blocks take hidden_states, encoder_hidden_states; the graph takes hidden_states'
    )
  })

  it('EXPECTED FAILURE - blocks whose output order disagrees with the pattern (Pattern_4 declared as Pattern_5)', async () => {
    const dir = copyOf('tiny-p4')
    editManifest(dir, (m: Raw) => (m.transformers[0].blockLists[0].pattern = 'Pattern_5'))
    const e = await loadError(dir)
    expect(e.message).toBe(
      'transformer/blocks_00.onnx: Pattern_5 blocks return (encoder_hidden_states_out, hidden_states_out); the graph returns (hidden_states_out, encoder_hidden_states_out)'
    )
  })

  it('EXPECTED FAILURE - latent shape in model.json disagrees with the embed graph', async () => {
    const dir = copyOf('tiny-p3')
    editManifest(dir, (m: Raw) => (m.latent.channels = 4))
    const e = await loadError(dir)
    expect(e.message).toBe(
      'transformer/embed.onnx: "latent" has shape [batch, 3, 8, 8], model.json latent says [batch, 4, 8, 8]'
    )
  })

  it('EXPECTED FAILURE - a graph in the wrong role (a block named as the final graph)', async () => {
    const dir = copyOf('tiny-p3')
    editManifest(dir, (m: Raw) => {
      m.transformers[0].final.file = 'transformer/blocks_03.onnx'
    })
    const e = await loadError(dir)
    expect(e.message).toBe('transformer/blocks_03.onnx: outputs lack "velocity" (has hidden_states_out)')
  })

  it('EXPECTED FAILURE - decoder output size disagrees with output.width/height', async () => {
    const dir = copyOf('tiny-image')
    editManifest(dir, (m: Raw) => (m.output.width = 64))
    const e = await loadError(dir)
    expect(e.message).toBe(
      'decoder.onnx: "image" has shape [batch, 3, 32, 32], model.json output says [batch, 3, 32, 64]'
    )
  })
})
