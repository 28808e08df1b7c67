import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { onnx as Onnx } from 'onnx-proto'
import { afterAll, describe, expect, it } from 'vitest'
import type { StepCache } from '../../src/main/engine/cache/seam'
import { importFolder } from '../../src/main/engine/import/importer'
import { loadImportedModel } from '../../src/main/engine/import/load-imported'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { callTransformer } from '../../src/main/engine/pipeline/transformer-call'
import { embedFeeds, fluxFolder, golden, maxAbsDiff } from './helpers'

const cleanups: (() => void)[] = []
afterAll(() => cleanups.forEach((c) => c()))

function modelsDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'flux-models-'))
  cleanups.push(() => rmSync(d, { recursive: true, force: true }))
  return d
}

function folder(transformer?: string): string {
  const f = fluxFolder(transformer)
  cleanups.push(f.cleanup)
  return f.dir
}

/** A step cache that always runs every block: the engine's path without a cache. */
const noCache: StepCache = {
  beginGeneration: () => undefined,
  runBlocks: async (_call, runner) => (await runner.enter(runner.blockCount)).output,
  traces: () => [],
  drainTraces: () => [],
  summary: () => ({}) as ReturnType<StepCache['summary']>
}

async function velocity(dir: string, merge: boolean) {
  const model = await loadImportedModel(dir, { provider: 'cpu', tuning: { intraOpThreads: 1 } })
  try {
    const { latent, timestep, ...text } = embedFeeds()
    const v = await callTransformer(
      model.transformerFor(1),
      { latent, timestep, text },
      {
        stepCache: noCache,
        step: 0,
        sigma: 1,
        branch: 'cond',
        mergeBlockLists: merge,
        beforeCall: () => undefined
      }
    )
    return maxAbsDiff(v.data, golden('output.out_hidden_states').data)
  } finally {
    await model.release()
  }
}

const VARIANTS = [
  { name: 'TorchScript', transformer: undefined, precision: 'fp32', exporter: 'torchscript', tol: 1e-5 },
  {
    name: 'dynamo',
    transformer: 'onnx-dynamo/transformer',
    precision: 'fp32',
    exporter: 'dynamo',
    tol: 1e-5
  },
  {
    name: 'external data (model.onnx_data)',
    transformer: 'onnx-variants/transformer-external-data',
    precision: 'fp32',
    exporter: 'torchscript',
    tol: 1e-5
  },
  {
    name: 'external data (model.onnx.data, dynamo)',
    transformer: 'onnx-variants/transformer-dynamo-external-data',
    precision: 'fp32',
    exporter: 'dynamo',
    tol: 1e-5
  },
  {
    name: 'fp16 (model.half(), fp16 I/O)',
    transformer: 'onnx-variants/transformer-fp16',
    precision: 'fp16',
    exporter: 'torchscript',
    tol: 2e-2
  },
  {
    name: 'fp16 (onnxruntime converter, fp32 I/O)',
    transformer: 'onnx-variants/transformer-fp16-ort-converted',
    precision: 'fp16',
    exporter: 'torchscript',
    tol: 2e-2
  }
] as const

describe('importing flux-tiny', () => {
  for (const v of VARIANTS) {
    it(`${v.name}: imports, and embed → blocks → final through the segment compiler matches diffusers within ${v.tol}`, async () => {
      const lines: string[] = []
      const r = await importFolder(folder(v.transformer), {
        modelsDir: modelsDir(),
        progress: (l) => lines.push(l)
      })
      expect(r.reused).toBe(false)
      expect(r.manifest.source.precision).toBe(v.precision)
      expect(r.manifest.source.exporter).toBe(v.exporter)
      expect(r.manifest.transformers[0].blockLists.map((l) => [l.name, l.blocks.length, l.pattern])).toEqual([
        ['transformer_blocks', 2, 'Pattern_1'],
        ['single_transformer_blocks', 4, 'Pattern_1']
      ])
      expect(lines.some((l) => l.startsWith('imported as'))).toBe(true)
      // One context over both lists (CacheDiT's Flux adapter) and one per list.
      expect(await velocity(r.dir, true)).toBeLessThan(v.tol)
      expect(await velocity(r.dir, false)).toBeLessThan(v.tol)
    })
  }

  it('writes no copy of the weights when the transformer keeps them in an external-data file', async () => {
    const src = folder('onnx-variants/transformer-external-data')
    const r = await importFolder(src, { modelsDir: modelsDir() })
    const data = statSync(join(src, 'transformer/model.onnx_data')).size
    const pkg = readdirSync(join(r.dir, 'transformer')).reduce(
      (n, f) => n + statSync(join(r.dir, 'transformer', f)).size,
      0
    )
    const graph = statSync(join(src, 'transformer/model.onnx')).size
    console.log(`external data ${data} bytes; transformer graph ${graph}; the package's cut graphs ${pkg}`)
    // The cut graphs hold what model.onnx holds (structure and the small inline tensors) and
    // reference the rest: about the graph file's size, nothing of the data file's.
    expect(pkg).toBeLessThan(graph * 1.1)
    expect(pkg).toBeLessThan(data)
    const embed = onnx.ModelProto.decode(readFileSync(join(r.dir, 'transformer/embed.onnx')))
    const refs = (embed.graph?.initializer ?? []).filter((t) => t.dataLocation === 1)
    expect(refs.length).toBeGreaterThan(0)
    expect(
      refs.every((t) => t.externalData?.find((e) => e.key === 'location')?.value === 'model.onnx_data')
    ).toBe(true)
  })

  it('recognises a re-import of the same folder and gives back the same package', async () => {
    const src = folder()
    const models = modelsDir()
    const first = await importFolder(src, { modelsDir: models, name: 'My FLUX' })
    expect(first.id).toBe('my-flux')
    const lines: string[] = []
    const again = await importFolder(src, { modelsDir: models, progress: (l) => lines.push(l) })
    expect(again).toMatchObject({ reused: true, id: first.id, dir: first.dir })
    expect(lines.some((l) => l.includes('already imported as my-flux'))).toBe(true)
    expect(readdirSync(models).filter((e) => !e.startsWith('.'))).toEqual(['my-flux'])
  })

  it('refuses to load a package whose source folder changed since the import', async () => {
    const src = folder()
    const r = await importFolder(src, { modelsDir: modelsDir() })
    writeFileSync(
      join(src, 'vae_decoder/model.onnx'),
      readFileSync(join(src, 'vae_decoder/model.onnx')).subarray(0, 1000)
    )
    await expect(loadImportedModel(r.dir, { provider: 'cpu' })).rejects.toThrow(
      /vae_decoder\/model\.onnx: changed since import/
    )
  })
})

describe('broken folders are refused with one line naming the file', () => {
  const edit = (dir: string, file: string, change: (m: Onnx.ModelProto) => void) => {
    const m = onnx.ModelProto.decode(readFileSync(join(dir, file)))
    change(m)
    writeFileSync(join(dir, file), encodeModel(m))
  }
  const json = (dir: string, file: string, change: (j: Record<string, unknown>) => void) => {
    const j = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    change(j)
    writeFileSync(join(dir, file), JSON.stringify(j))
  }
  const cases: [string, (dir: string) => void, RegExp][] = [
    [
      'a missing component',
      (d) => rmSync(join(d, 'vae_decoder'), { recursive: true }),
      /^vae_decoder\/model\.onnx: missing/
    ],
    [
      'an unknown pipeline class',
      (d) => json(d, 'model_index.json', (j) => (j._class_name = 'MysteryPipeline')),
      /^model_index\.json: pipeline "MysteryPipeline" is not supported/
    ],
    [
      'an unknown scheduler',
      (d) => json(d, 'scheduler/scheduler_config.json', (j) => (j._class_name = 'DDIMScheduler')),
      /^scheduler\/scheduler_config\.json: scheduler "DDIMScheduler" is not supported/
    ],
    [
      'a graph IR newer than onnxruntime-node 1.30 loads',
      (d) => edit(d, 'text_encoder_2/model.onnx', (m) => (m.irVersion = 14)),
      /^text_encoder_2\/model\.onnx: ONNX IR version 14 is newer than onnxruntime-node 1\.30 loads/
    ],
    [
      'a bf16 graph',
      (d) => edit(d, 'transformer/model.onnx', (m) => (m.graph!.initializer![0].dataType = 16)),
      /^transformer\/model\.onnx: bfloat16 graph/
    ],
    [
      'a graph without scopes',
      (d) => edit(d, 'transformer/model.onnx', (m) => m.graph!.node!.forEach((n, i) => (n.name = `n${i}`))),
      /^transformer\/model\.onnx: the graph has no module scopes/
    ],
    [
      'a truncated external-data file',
      (d) =>
        truncateSync(
          join(d, 'transformer/model.onnx_data'),
          statSync(join(d, 'transformer/model.onnx_data')).size - 100
        ),
      /^transformer\/model\.onnx_data: truncated \(\d+ bytes; the tensors of transformer\/model\.onnx need \d+\)/
    ]
  ]
  for (const [what, breakIt, message] of cases) {
    it(what, async () => {
      const dir = folder(what.includes('external') ? 'onnx-variants/transformer-external-data' : undefined)
      breakIt(dir)
      const models = modelsDir()
      const e = await importFolder(dir, { modelsDir: models }).catch((x: unknown) => x)
      expect(e).toMatchObject({ code: 'model_invalid' })
      expect((e as Error).message).toMatch(message)
      expect((e as Error).message).not.toContain('\n')
      expect(readdirSync(models)).toEqual([])
    })
  }
})
