import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine, EngineFailure, sourceThreadEntry } from '../../src/main/engine/engine'
import { encodeModel, tryDecodeModel } from '../../src/main/engine/model/onnx-graph'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { FIXTURES, fixture } from './fixtures'

/**
 * A model that computes NaN (here: the final graph's weights, as an fp16 overflow would leave
 * them) must fail the generation with `numeric` naming where, not write a black PNG, and the
 * engine must go on serving. The cache checks the block streams; this is the velocity and the
 * decoder output, which it does not see.
 */

const root = mkdtempSync(join(tmpdir(), 'cs-nan-'))
let engine: Engine

/** tiny-image copied as `nan-image`, its final graph's float weights all NaN, sha256 updated. */
function poisonedCopy(): void {
  const dir = join(root, 'nan-image')
  cpSync(fixture('tiny-image'), dir, { recursive: true })
  const file = 'transformer/final.onnx'
  const decoded = tryDecodeModel(readFileSync(join(dir, file)))
  if (!('model' in decoded)) throw new Error(decoded.error)
  for (const init of decoded.model.graph?.initializer ?? []) {
    if (init.rawData && init.rawData.length > 0) {
      const raw = new Uint8Array(init.rawData.length)
      new Float32Array(raw.buffer).fill(NaN)
      init.rawData = raw
    } else if (init.floatData && init.floatData.length > 0) {
      init.floatData = init.floatData.map(() => NaN)
    }
  }
  const bytes = encodeModel(decoded.model)
  writeFileSync(join(dir, file), bytes)
  const manifestPath = join(dir, 'model.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    id: string
    files: Record<string, string>
  }
  manifest.id = 'nan-image'
  manifest.files[file] = createHash('sha256').update(bytes).digest('hex')
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 1))
}

beforeAll(async () => {
  poisonedCopy()
  engine = await Engine.create({
    modelDirs: { embedded: [FIXTURES], user: [root] },
    thread: sourceThreadEntry()
  })
})
afterAll(async () => {
  await engine?.dispose()
  rmSync(root, { recursive: true, force: true })
})

const request = (model: string, preset: 'none' | 'F1B0') =>
  GenerateRequestSchema.parse({
    model,
    prompt: 'a red circle',
    seed: 3,
    steps: 3,
    provider: 'cpu',
    cache: { preset }
  })

describe('non-finite values from a model', () => {
  for (const preset of ['none', 'F1B0'] as const) {
    it(`EXPECTED FAILURE - NaN velocity fails with numeric naming the step (cache ${preset}); the engine serves the next request`, async () => {
      const e = await engine.generate(request('nan-image', preset)).then(
        () => null,
        (err: unknown) => err
      )
      expect(e).toBeInstanceOf(EngineFailure)
      expect((e as EngineFailure).code).toBe('numeric')
      expect((e as EngineFailure).message).toMatch(
        /non-finite value NaN .* of the velocity of transformer at step 0/
      )
      const ok = await engine.generate(request('tiny-image', preset))
      expect(ok.files.map((f) => f.name)).toContain('image.png')
    })
  }
})
