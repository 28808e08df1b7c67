import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine, sourceThreadEntry } from '../../src/main/engine/engine'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { assertFitsMemory, graphMemory, manifestMemory } from '../../src/main/engine/model/memory-estimate'
import { loadPackage } from '../../src/main/engine/model/package'
import { ALL_FIXTURES, FIXTURES, fixture } from './fixtures'
import { hungryPackage } from './hungry-model'
import { failureOf } from './failure-of'

/**
 * A model that would allocate beyond the machine's memory ends in a `resources` error naming it,
 * before anything runs where the manifest or a graph says so, and from ONNX Runtime's failed
 * allocation where only the run shows it; the engine keeps serving. None of these tests makes a
 * large allocation succeed: the estimate refuses first, and the run-time case asks for 256 TiB,
 * more than any address space, so the allocation fails at once.
 */

const tmp = mkdtempSync(join(tmpdir(), 'cs-memory-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const GiB = 2 ** 30

describe('the memory estimate at load', () => {
  it('EXPECTED FAILURE - a ConstantOfShape of [60000, 60000] is refused as resources on a 16 GiB machine, naming the model and the node', async () => {
    const dir = hungryPackage(join(tmp, 'static-60k'), 'tiny-hungry', { static: [60000, 60000] })
    const e = await failureOf(loadPackage(dir, { memoryBytes: 16 * GiB }))
    expect(e.code).toBe('resources')
    expect(e.message).toMatch(
      /^tiny-hungry: needs about 26\.8 GiB of memory to generate, more than this machine's 16\.0 GiB \(most of it: transformer\/blocks_01\.onnx: ConstantOfShape "hungry_hungry_big" of \[60000, 60000\], 26\.8 GiB\)$/
    )
  })

  it("EXPECTED FAILURE - a constant shape beyond this machine's RAM is refused with the default budget", async () => {
    const side = Math.ceil(Math.sqrt(totalmem() / 4)) + 1
    const dir = hungryPackage(join(tmp, 'static-ram'), 'tiny-hungry-ram', { static: [side, side] })
    const e = await failureOf(loadPackage(dir))
    expect(e.code).toBe('resources')
    expect(e.message).toContain(`tiny-hungry-ram: needs about`)
    expect(e.message).toContain(`ConstantOfShape "hungry_hungry_big" of [${side}, ${side}]`)
  })

  it('EXPECTED FAILURE - a latent of 4×30000×30000 is refused as resources before any file is read', async () => {
    const dir = join(tmp, 'big-latent')
    cpSync(fixture('tiny-p3'), dir, { recursive: true })
    const path = join(dir, 'model.json')
    const m = JSON.parse(readFileSync(path, 'utf8'))
    Object.assign(m.latent, { channels: 4, height: 30000, width: 30000 })
    writeFileSync(path, JSON.stringify(m))
    const e = await failureOf(loadPackage(dir))
    expect(e.code).toBe('resources')
    expect(e.message).toMatch(
      /^tiny-p3: needs about \d+\.\d GiB of memory to generate, more than this machine's/
    )
    expect(e.message).toContain('most of it: latent 4×1×30000×30000')
  })

  it('leaves room for real models: the fixtures need well under 1 GiB, a 720p 81-frame video latent under 4 GiB', async () => {
    for (const name of ALL_FIXTURES) {
      const pkg = await loadPackage(fixture(name))
      const parts = [...manifestMemory(pkg.manifest), ...graphMemory(pkg.files, pkg.graph)]
      expect(parts.reduce((a, p) => a + p.bytes, 0)).toBeLessThan(GiB)
    }
    const wan = JSON.parse(readFileSync(join(fixture('tiny-video'), 'model.json'), 'utf8'))
    Object.assign(wan.latent, { channels: 16, frames: 21, height: 90, width: 160 })
    Object.assign(wan.output, { frames: 81, height: 720, width: 1280 })
    expect(() => assertFitsMemory('wan-720p', manifestMemory(wan), 4 * GiB)).not.toThrow()
  })
})

describe('an allocation that fails while generating', () => {
  let engine: Engine
  const user = join(tmp, 'user-models')
  beforeAll(async () => {
    hungryPackage(join(user, 'tiny-hungry-run'), 'tiny-hungry-run', { dynamic: [2 ** 23, 2 ** 23, 1] })
    engine = await Engine.create({
      modelDirs: { embedded: [FIXTURES], user: [user] },
      thread: sourceThreadEntry(),
      tuning: { intraOpThreads: 1 }
    })
  })
  afterAll(() => engine?.dispose())

  it('EXPECTED FAILURE - ends in a resources error naming the model and the node, and the engine serves the next request', async () => {
    const request = { prompt: 'a red circle', seed: 1, steps: 1, provider: 'cpu' as const }
    const e = await failureOf(
      engine.generate(GenerateRequestSchema.parse({ ...request, model: 'tiny-hungry-run' }))
    )
    expect(e.code).toBe('resources')
    expect(e.message).toMatch(
      /^tiny-hungry-run: .+: out of memory \(a ConstantOfShape node asked for 262144\.0 GiB and the allocation failed\)$/
    )
    const ok = await engine.generate(GenerateRequestSchema.parse({ ...request, model: 'tiny-p3' }))
    expect(ok.recipe.model).toBe('tiny-p3')
  })
})
