import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { importFolder, type ImportResult } from '../../src/main/engine/import/importer'
import { loadImportedModel } from '../../src/main/engine/import/load-imported'
import {
  assertImportedRequestFits,
  estimateSize,
  importedEstimate
} from '../../src/main/engine/import/imported-memory'
import { importedMemory, type MemoryPart } from '../../src/main/engine/model/memory-estimate'
import { ModelRunner } from '../../src/main/engine/thread/entry'
import { GenerateRequestSchema } from '../../src/shared/generation'
import { Session } from '../../src/main/engine/model/session'
import { writeBigTransformer } from '../import/big-transformer'
import { FLUX_TINY } from '../import/helpers'
import { failureOf } from './failure-of'

/**
 * The memory estimate made before loading covers imported packages (model/memory-estimate.ts,
 * importedMemory): the weights from the sizes of the graphs and external-data files the package
 * uses (manifest.sourceFiles, package files; no weight is read) and one transformer call's
 * activations at the requested size. A package beyond the memory it must fit in is refused as
 * `resources`, naming it, before any session is created.
 */

const tmp = mkdtempSync(join(tmpdir(), 'cs-memory-imported-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
afterEach(() => vi.restoreAllMocks())

const MiB = 2 ** 20
/** flux-tiny with its transformer swapped for a FLUX-shaped one of 4 blocks of two 1024² float32 weights. */
let big: ImportResult
let bigWeights = 0
let tiny: ImportResult

beforeAll(async () => {
  const dir = join(tmp, 'flux-big')
  cpSync(join(FLUX_TINY, 'onnx'), dir, { recursive: true })
  for (const f of readdirSync(join(dir, 'transformer')))
    if (f !== 'config.json') rmSync(join(dir, 'transformer', f))
  bigWeights = writeBigTransformer(join(dir, 'transformer'), 4, 1024)
  big = await importFolder(dir, { modelsDir: join(tmp, 'models') })
  tiny = await importFolder(join(FLUX_TINY, 'onnx'), { modelsDir: join(tmp, 'models'), name: 'flux-tiny' })
})

const total = (parts: MemoryPart[]) => parts.reduce((a, p) => a + p.bytes, 0)
const fileBytes = (r: ImportResult) => (f: string) => statSync(join(r.dir, f)).size
const estimate = (r: ImportResult, size = estimateSize(r.manifest)) =>
  importedMemory(r.manifest, fileBytes(r), { size, rows: 1 })
/** A budget between flux-tiny's estimate at its default 32×32 and at 64×64, the largest it makes. */
const between = () =>
  (total(importedEstimate(tiny.manifest, fileBytes(tiny))) +
    total(importedEstimate(tiny.manifest, fileBytes(tiny), { width: 64, height: 64 }))) /
  2

describe('the memory estimate of an imported package', () => {
  it('counts the external-data weights once, from the sizes the manifest records, and not the whole graph the cut replaced', () => {
    const weightsOf = (sourceFiles: ImportResult['manifest']['sourceFiles']) =>
      estimate({ ...big, manifest: { ...big.manifest, sourceFiles } }).find((p) => p.what === 'weights')
        ?.bytes ?? 0
    const files = big.manifest.sourceFiles
    expect(files['transformer/model.onnx_data'].size).toBe(bigWeights)
    const weights = weightsOf(files)
    // model.onnx_data once; the small graphs (cut graphs, text encoders, VAE) twice each.
    expect(weights).toBeGreaterThanOrEqual(bigWeights)
    expect(weights).toBeLessThan(bigWeights + 16 * MiB)
    const resized = (file: string, size: number) => ({ ...files, [file]: { ...files[file], size } })
    // 1 GiB more external data: 1 GiB more estimate.
    expect(weightsOf(resized('transformer/model.onnx_data', bigWeights + 2 ** 30))).toBe(weights + 2 ** 30)
    // The transformer's whole model.onnx is never loaded (its cut graphs are): it does not count.
    expect(weightsOf(resized('transformer/model.onnx', 2 ** 30))).toBe(weights)
    // A text encoder's graph is read and handed to ONNX Runtime: it counts twice.
    const te = files['text_encoder/model.onnx'].size
    expect(weightsOf(resized('text_encoder/model.onnx', te + MiB))).toBe(weights + 2 * MiB)
  })

  it('grows with the requested size: the attention of one call at 2048² dominates', () => {
    const small = estimate(tiny)
    const large = estimate(tiny, { width: 2048, height: 2048 })
    expect(total(large)).toBeGreaterThan(100 * total(small))
    const biggest = [...large].sort((a, b) => b.bytes - a.bytes)[0]
    expect(biggest.what).toMatch(/^attention of one transformer call: 2 heads × \d+² tokens$/)
  })

  it('EXPECTED FAILURE - a package beyond the memory it must fit in is refused as resources, naming it, before any session is created', async () => {
    const created = vi.spyOn(Session, 'create')
    const e = await failureOf(loadImportedModel(big.dir, { provider: 'cpu', memoryBytes: 32 * MiB }))
    expect(e.code).toBe('resources')
    expect(e.message).toMatch(
      /^flux-big: needs about \d+\.\d MiB of memory to generate, more than this machine's 32\.0 MiB \(most of it: weights, \d+\.\d MiB\)$/
    )
    expect(created).not.toHaveBeenCalled()
  })

  it('EXPECTED FAILURE - a larger size the package makes is refused at load when its activations do not fit; the default size loads', async () => {
    const memoryBytes = between()
    const created = vi.spyOn(Session, 'create')
    const e = await failureOf(
      loadImportedModel(tiny.dir, { provider: 'cpu', memoryBytes, size: { width: 64, height: 64 } })
    )
    expect(e.code).toBe('resources')
    expect(e.message).toMatch(
      /^flux-tiny: needs about .+ \(most of it: attention of one transformer call: 2 heads × 768² tokens, /
    )
    expect(created).not.toHaveBeenCalled()
    const loaded = await loadImportedModel(tiny.dir, { provider: 'cpu', memoryBytes })
    await loaded.release()
    expect(created).toHaveBeenCalled()
  })

  it('a size the package cannot make is not estimated (the pipeline refuses it by size): the default stands in', async () => {
    const asked = { width: 4096, height: 4096, frames: 9 }
    expect(estimateSize(tiny.manifest, asked)).toEqual({ width: 32, height: 32, frames: undefined })
    await expect(assertImportedRequestFits(tiny.dir, asked, between())).resolves.toBeUndefined()
  })

  it('EXPECTED FAILURE - a model kept loaded is checked again at each request’s size, before it runs', async () => {
    const runner = new ModelRunner({ memoryBytes: between(), tuning: { intraOpThreads: 1 } })
    const request = (size: object) =>
      GenerateRequestSchema.parse({
        model: tiny.dir,
        prompt: 'a red circle',
        seed: 1,
        steps: 1,
        provider: 'cpu',
        ...size
      })
    const run = (size: object) =>
      runner.generate(tiny.dir, request(size), { cancelFlag: new Int32Array(1), onProgress: () => undefined })
    try {
      const first = await run({})
      expect(first.recipe.model).toBe('flux-tiny')
      const created = vi.spyOn(Session, 'create')
      const e = await failureOf(run({ width: 64, height: 64 }))
      expect(e.code).toBe('resources')
      expect(e.message).toMatch(
        /^flux-tiny: needs about .+ \(most of it: attention of one transformer call: /
      )
      expect(created).not.toHaveBeenCalled()
      // The kept model still serves a request that fits.
      expect((await run({ width: 32, height: 32 })).recipe.model).toBe('flux-tiny')
    } finally {
      await runner.release()
    }
  })

  it('a normal import loads with the default budget (the machine’s RAM), sessions and all', async () => {
    const created = vi.spyOn(Session, 'create')
    const loaded = await loadImportedModel(tiny.dir, { provider: 'cpu' })
    try {
      expect(created).toHaveBeenCalled()
      expect(loaded.manifest.id).toBe('flux-tiny')
    } finally {
      await loaded.release()
    }
  })
})
