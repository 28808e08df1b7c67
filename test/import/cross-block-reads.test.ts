import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { benchModel } from '../../src/bench/model-bench'
import { presetVariant } from '../../src/bench/variants'
import { DBCache } from '../../src/main/engine/cache/dbcache'
import { cutTransformer, FLUX_GRAPH } from '../../src/main/engine/import/cut-transformer'
import { importFolder, type ImportResult } from '../../src/main/engine/import/importer'
import { loadImportedModel } from '../../src/main/engine/import/load-imported'
import type { LoadedImport } from '../../src/main/engine/import/loaded-import'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { Session } from '../../src/main/engine/model/session'
import { prepareSegments } from '../../src/main/engine/pipeline/family-loop'
import { callTransformer } from '../../src/main/engine/pipeline/transformer-call'
import { CacheConfigSchema, type CacheConfigInput } from '../../src/shared/cache-config'
import { ImportedManifestSchema } from '../../src/shared/imported-manifest'
import { studio } from '../cli-harness'
import { embedFeeds, FLUX_TINY, fluxFolder, golden, maxAbsDiff } from './helpers'

/**
 * A cross-block read: flux-tiny's graph with one more edge, single_transformer_blocks.3 adding
 * what single_transformer_blocks.0 concatenated ([text; image] states, made from the streams) to
 * its own concatenation. None of the fixtures has such a read; the importer once refused the
 * whole model. Merged (FLUX's default) the read is block 5 reading block 2 of one 6-block context.
 */

const X = '/single_transformer_blocks.0/Concat_output_0'

/**
 * The graph at `path` with one more node, `name`, right after the node `after`: it adds `tensor`
 * to that node's output, which every later reader then reads instead.
 */
function withRead(graph: Uint8Array, after: string, tensor: string, name: string): Uint8Array {
  const model = onnx.ModelProto.decode(graph)
  const nodes = model.graph!.node!
  const at = nodes.findIndex((n) => n.name === after)
  const own = nodes[at].output![0]
  const sum = `${name}_output_0`
  for (const n of nodes.slice(at + 1)) n.input = n.input!.map((i) => (i === own ? sum : i))
  nodes.splice(at + 1, 0, onnx.NodeProto.create({ name, opType: 'Add', input: [own, tensor], output: [sum] }))
  return encodeModel(model)
}

/** flux-tiny's transformer graph with single_transformer_blocks.3 reading X. */
const withCrossRead = (graph: Uint8Array) =>
  withRead(graph, '/single_transformer_blocks.3/Concat', X, '/single_transformer_blocks.3/cross/Add')

const models = mkdtempSync(join(tmpdir(), 'cross-read-models-'))
const made: { release(): Promise<void> }[] = []
const folders: (() => void)[] = []
afterAll(async () => {
  for (const m of made) await m.release()
  folders.forEach((f) => f())
  rmSync(models, { recursive: true, force: true })
})

/** flux-tiny's folder with its transformer graph edited, imported and loaded. */
async function importEdited(name: string, edit: (graph: Uint8Array) => Uint8Array) {
  const src = fluxFolder()
  folders.push(src.cleanup)
  const file = join(src.dir, 'transformer/model.onnx')
  writeFileSync(file, edit(readFileSync(file)))
  const progress: string[] = []
  const imported = await importFolder(src.dir, { modelsDir: models, name, progress: (l) => progress.push(l) })
  const model = await loadImportedModel(imported.dir, { provider: 'cpu', tuning: { intraOpThreads: 1 } })
  made.push(model)
  return { imported, model, file, progress }
}

let imported: ImportResult
let model: LoadedImport
let transformerFile: string
let progress: string[]
beforeAll(async () => {
  ;({ imported, model, file: transformerFile, progress } = await importEdited('cross read', withCrossRead))
}, 120_000)

const config = (c: CacheConfigInput) => CacheConfigSchema.parse({ maxWarmupSteps: 1, ...c })

/** One transformer call on the golden inputs through the engine, with this cache config. */
async function velocity(c: CacheConfigInput, merge = true, m = model) {
  const cache = config(c)
  const t = m.transformerFor(1)
  await prepareSegments(t, cache, merge, 1, () => undefined)
  const f = embedFeeds()
  const out = await callTransformer(
    t,
    {
      latent: f.latent,
      timestep: f.timestep,
      text: {
        text_hidden: f.text_hidden,
        text_pooled: f.text_pooled,
        img_ids: f.img_ids,
        txt_ids: f.txt_ids,
        guidance: f.guidance
      }
    },
    {
      stepCache: new DBCache(cache),
      step: 0,
      sigma: 1,
      branch: 'cond',
      mergeBlockLists: merge,
      beforeCall: () => undefined
    }
  )
  return out.data
}

/** The edited graph run whole by ONNX Runtime: the velocity every kept-together config must give. */
async function wholeGraph(file = transformerFile): Promise<Float32Array> {
  const s = await Session.create(readFileSync(file), 'whole', 'cpu', { intraOpThreads: 1 })
  try {
    const f = embedFeeds()
    const out = await s.run({
      hidden_states: f.latent,
      encoder_hidden_states: f.text_hidden,
      pooled_projections: f.text_pooled,
      timestep: f.timestep,
      img_ids: f.img_ids,
      txt_ids: f.txt_ids,
      guidance: f.guidance
    })
    return out[s.outputNames[0]].data as Float32Array
  } finally {
    await s.release()
  }
}

describe('a block that reads a tensor made in a non-adjacent block', () => {
  it('imports, and the manifest and studio inspect list the read', async () => {
    expect(imported.manifest.transformers[0].crossBlockReads).toEqual([
      { tensor: X, list: 'single_transformer_blocks', from: 0, to: 3 }
    ])
    expect(progress).toContain(
      '  1 cross-block reads: cache configs that part a producer from its reader are refused'
    )
    const shown = await studio('inspect', '--model', imported.id, '--models-dir', models)
    expect(shown.code).toBe(0)
    expect(shown.out.filter((l) => l.includes(X))).toHaveLength(1)
    expect(shown.out).toContain(
      '  cross-block reads  1 (cache configs that part a producer from its reader are refused)'
    )
    expect(shown.out).toContain(
      `    transformer: single_transformer_blocks.3 reads "${X}", made in single_transformer_blocks.0`
    )
  })

  it("the manifest refuses a read whose block is not in the transformer's lists", () => {
    const t = imported.manifest.transformers[0]
    const bad = { ...t, crossBlockReads: [{ tensor: X, list: 'single_transformer_blocks', from: 0, to: 4 }] }
    const r = ImportedManifestSchema.safeParse({ ...imported.manifest, transformers: [bad] })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0].message).toBe(
      'block 4 of "single_transformer_blocks" is not in the transformer\'s block lists'
    )
    expect(ImportedManifestSchema.safeParse(imported.manifest).success).toBe(true)
  })

  it('configs that run producer and reader in one compiled range give the whole graph velocity within 1e-5', async () => {
    const whole = await wholeGraph()
    // The edge matters: without it the velocity is diffusers' own.
    expect(maxAbsDiff(whole, golden('output.out_hidden_states').data)).toBeGreaterThan(1e-3)
    const kept: [string, CacheConfigInput, boolean][] = [
      ['cache off, merged lists: [0, 6)', { enabled: false }, true],
      ['cache off, one context per list: single_transformer_blocks [0, 4)', { enabled: false }, false],
      ['F1B0: both in the middle [1, 6)', { Fn: 1, Bn: 0 }, true],
      ['F6B0: both in the front [0, 6)', { Fn: 6, Bn: 0 }, true],
      ['F1B5: both in the back [1, 6)', { Fn: 1, Bn: 5 }, true],
      ['F1B0 with TaylorSeer', { Fn: 1, Bn: 0, taylorSeer: { enabled: true } }, true]
    ]
    for (const [label, c, merge] of kept)
      expect(maxAbsDiff(await velocity(c, merge), whole), label).toBeLessThan(1e-5)
  })

  it('configs that part them are refused before step 0 with one line naming the tensor and the blocks', async () => {
    const t = model.transformerFor(1)
    const refused = (c: CacheConfigInput, merge = true) =>
      prepareSegments(t, config(c), merge, 1, () => undefined)
    const line = `in transformer/transformer_blocks+single_transformer_blocks, block 5 (single_transformer_blocks.3) reads "${X}" made in block 2 (single_transformer_blocks.0)`
    await expect(refused({ Fn: 1, Bn: 1 })).rejects.toThrow(
      `cache: ${line}, which this config skips on cached steps`
    )
    await expect(refused({ Fn: 3, Bn: 3 })).rejects.toThrow(
      `cache: ${line}, which this config runs in another compiled range (blocks [0, 3), the reader [3, 6)): a range cannot hand it to another`
    )
    // One context per list: block 3 of single_transformer_blocks reads its block 0, front vs middle.
    await expect(refused({ Fn: 1, Bn: 0 }, false)).rejects.toThrow(
      `cache: in transformer/single_transformer_blocks, block 3 (single_transformer_blocks.3) reads "${X}" made in block 0 (single_transformer_blocks.0), which this config runs in another compiled range (blocks [0, 1), the reader [1, 4))`
    )
    // The import's old refusal of the whole model is gone.
    await expect(refused({ Fn: 1, Bn: 1 })).rejects.not.toThrow(/only the previous block's streams/)
  })

  it('studio generate refuses such a preset with exit code 1 and the one line', async () => {
    const r = await studio(
      'generate',
      '--model',
      imported.id,
      '--models-dir',
      models,
      '--prompt',
      'x',
      '--steps',
      '1',
      '--cache',
      'custom',
      '--fn',
      '1',
      '--bn',
      '1',
      '--provider',
      'cpu'
    )
    expect(r.code).toBe(1)
    expect(r.err).toEqual([
      `studio generate: cache: in transformer/transformer_blocks+single_transformer_blocks, block 5 (single_transformer_blocks.3) reads "${X}" made in block 2 (single_transformer_blocks.0), which this config skips on cached steps`
    ])
  })
})

describe('the bench on such a model', () => {
  it('reports a variant that parts producer and reader as skipped with the reason, and runs the rest', async () => {
    const b = await benchModel({
      dir: imported.dir,
      variants: [
        presetVariant('none'),
        { id: 'F1B1', label: 'F1B1', preset: 'custom', overrides: { Fn: 1, Bn: 1 } }
      ],
      prompts: ['a red circle'],
      seeds: [0],
      repeats: 1,
      steps: 2,
      provider: 'cpu',
      threads: 1,
      torch: null
    })
    const [none, f1b1] = b.variants
    expect(none.skipped).toBeNull()
    expect(f1b1.skipped).toBe(
      `in transformer/transformer_blocks+single_transformer_blocks, block 5 (single_transformer_blocks.3) reads "${X}" made in block 2 (single_transformer_blocks.0), which this config skips on cached steps`
    )
  }, 120_000)
})

describe('a tensor the next block reads and a later one too', () => {
  // single_transformer_blocks.1 and .3 both read X: the cut after .0 carries the two streams
  // and X, which is no stream since .3 reads it as well.
  const both = (g: Uint8Array) =>
    withCrossRead(
      withRead(g, '/single_transformer_blocks.1/Concat', X, '/single_transformer_blocks.1/cross/Add')
    )
  let shared: Awaited<ReturnType<typeof importEdited>>
  beforeAll(async () => {
    shared = await importEdited('shared read', both)
  }, 120_000)

  it('imports with both reads listed; the configs that keep them together match the whole graph', async () => {
    expect(shared.imported.manifest.transformers[0].crossBlockReads).toEqual([
      { tensor: X, list: 'single_transformer_blocks', from: 0, to: 1 },
      { tensor: X, list: 'single_transformer_blocks', from: 0, to: 3 }
    ])
    const whole = await wholeGraph(shared.file)
    expect(maxAbsDiff(whole, await wholeGraph())).toBeGreaterThan(1e-3)
    for (const c of [{ enabled: false }, { Fn: 1, Bn: 0 }, { Fn: 2, Bn: 4 }] as CacheConfigInput[])
      expect(maxAbsDiff(await velocity(c, true, shared.model), whole), JSON.stringify(c)).toBeLessThan(1e-5)
  })

  it('a config with a cut between the producer and the next block is refused, naming that block', async () => {
    const t = shared.model.transformerFor(1)
    await expect(prepareSegments(t, config({ Fn: 3, Bn: 0 }), true, 1, () => undefined)).rejects.toThrow(
      `cache: in transformer/transformer_blocks+single_transformer_blocks, block 3 (single_transformer_blocks.1) reads "${X}" made in block 2 (single_transformer_blocks.0), which this config runs in another compiled range (blocks [0, 3), the reader [3, 6)): a range cannot hand it to another`
    )
  })
})

describe('reads across blocks the importer still refuses, naming the tensor', () => {
  const file = join(FLUX_TINY, 'onnx/transformer/model.onnx')
  const cut = (bytes: Uint8Array) =>
    cutTransformer(bytes, onnx.ModelProto.decode(bytes), 'transformer/model.onnx', FLUX_GRAPH)

  it('a block reading from a block of another list', () => {
    const t = '/transformer_blocks.0/Add_7_output_0'
    const bytes = withRead(
      readFileSync(file),
      '/single_transformer_blocks.2/Concat',
      t,
      '/single_transformer_blocks.2/cross/Add'
    )
    expect(() => cut(bytes)).toThrow(
      `transformer/model.onnx: single_transformer_blocks.2 reads "${t}", made in transformer_blocks.0, of another block list: a block may read what earlier blocks made from its own list only`
    )
  })

  it('the tail reading from a block before the last', () => {
    const bytes = withRead(readFileSync(file), '/norm_out/Add_2', X, '/norm_out/cross/Add')
    expect(() => cut(bytes)).toThrow(
      `transformer/model.onnx: the tail reads "${X}", made in single_transformer_blocks.0: the tail may read only the last block's streams and the embedder's tensors`
    )
  })
})
