import { decode } from 'fast-png'
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importFolder } from '../../src/main/engine/import/importer'
import type { onnx as Onnx } from 'onnx-proto'
import { encodeModel, onnx } from '../../src/main/engine/model/onnx-graph'
import { studio } from '../cli-harness'
import { maxAbsDiff, replayJson, tempModelsDir } from '../family-checks'
import { qwenFolderWithVae } from '../qwen-image/generate-vae'

/**
 * Text encoders and VAE decoders with float16 inputs and outputs, in every imported family beside
 * FLUX (test/flux/imported.test.ts has FLUX's): the session converts at their edge
 * (model/session.ts), so the pipelines run them as they run float32 ones. Wan's VAE is the
 * onnxruntime-converted fp16 graph tools/make_fp16_components.py made (fp16 weights too); SD3's,
 * PixArt's and Qwen-Image's components get float16 edges here, their float32 inputs and outputs
 * made float16 with Casts inside, as some fp16 exports have them (the weights stay float32, so
 * what differs from the float32 run is the rounding at the edges alone).
 */

const FIXTURES = join(__dirname, '../fixtures/diffusers')
const modelsDir = tempModelsDir('fp16-components-')

const F16 = onnx.TensorProto.DataType.FLOAT16
const F32 = onnx.TensorProto.DataType.FLOAT

/** Makes every float32 input and output of the graph at `path` float16, Cast to float32 inside. */
function float16Edges(path: string): void {
  const model = onnx.ModelProto.decode(readFileSync(path))
  const g = model.graph!
  const cast = (input: string, output: string, to: number) =>
    onnx.NodeProto.create({
      opType: 'Cast',
      name: `fp16_edge_${output}`,
      input: [input],
      output: [output],
      attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to }]
    })
  const rename = (from: string, to: string) => {
    for (const n of g.node!) {
      n.input = n.input!.map((x) => (x === from ? to : x))
      n.output = n.output!.map((x) => (x === from ? to : x))
    }
  }
  const inputs: Onnx.INodeProto[] = []
  for (const v of g.input!) {
    if (v.type?.tensorType?.elemType !== F32) continue
    rename(v.name!, `${v.name}_fp32`)
    inputs.push(cast(v.name!, `${v.name}_fp32`, F32))
    v.type.tensorType.elemType = F16
  }
  for (const v of g.output!) {
    if (v.type?.tensorType?.elemType !== F32) continue
    rename(v.name!, `${v.name}_fp32`)
    g.node!.push(cast(`${v.name}_fp32`, v.name!, F16))
    v.type.tensorType.elemType = F16
  }
  g.node!.unshift(...inputs)
  writeFileSync(path, encodeModel(model))
}

/** The element types of a graph's inputs and outputs, as [name, type] pairs. */
function edgeTypes(path: string): [string, number][] {
  const g = onnx.ModelProto.decode(readFileSync(path)).graph!
  return [...g.input!, ...g.output!].map((v) => [v.name!, v.type!.tensorType!.elemType!])
}

/** A copy of a fixture's export folder, under the models folder. */
function copyOf(fixture: string, exporter: string, name: string): string {
  const dir = join(modelsDir, `src-${name}`)
  cpSync(join(FIXTURES, fixture, exporter), dir, { recursive: true })
  return dir
}

interface Run {
  latentMaxAbsDiff: number
  imageMaxAbsDiff: number | null
}

describe('fp16 text encoders and VAE decoders in the other imported families', () => {
  it("SD3: its three text encoders and VAE with float16 edges replay pipeline_4steps within 1e-3 of diffusers' latents and image", async () => {
    const dir = copyOf('sd3-tiny', 'onnx', 'sd3')
    for (const c of ['text_encoder', 'text_encoder_2', 'text_encoder_3', 'vae_decoder'])
      float16Edges(join(dir, c, 'model.onnx'))
    expect(edgeTypes(join(dir, 'vae_decoder/model.onnx'))).toEqual([
      ['latent_sample', F16],
      ['sample', F16]
    ])
    const imported = await importFolder(dir, { modelsDir, name: 'sd3 fp16 edges' })
    const [run] = (
      await replayJson<{ runs: Run[] }>(join(FIXTURES, 'sd3-tiny/golden/pipeline_4steps'), imported.dir)
    ).runs
    // Measured: latents 2.1e-4, image 3.1e-4 (the fp32 package's are held to 1e-4 and 1e-3).
    expect(run.latentMaxAbsDiff).toBeLessThan(1e-3)
    expect(run.imageMaxAbsDiff).toBeLessThan(1e-3)
  })

  it('PixArt-Σ: its T5 and VAE with float16 edges replay pipeline_4steps: latents within 1e-4 of their size, image within 1e-3', async () => {
    const dir = copyOf('pixart-sigma-tiny', 'onnx', 'pixart')
    for (const c of ['text_encoder', 'vae_decoder']) float16Edges(join(dir, c, 'model.onnx'))
    const imported = await importFolder(dir, { modelsDir, name: 'pixart fp16 edges' })
    const [run] = (
      await replayJson<{ runs: Run[] }>(
        join(FIXTURES, 'pixart-sigma-tiny/golden/pipeline_4steps'),
        imported.dir
      )
    ).runs
    // The DPM-Solver latents end as large as 666 (the golden manifest's absmax): the T5 states'
    // fp16 rounding (up to 1e-3 of ~3) moves them by 2.9e-2 (measured), 4e-5 of that.
    expect(run.latentMaxAbsDiff).toBeLessThan(666e-4)
    expect(run.imageMaxAbsDiff).toBeLessThan(1e-3)
  })

  it("Wan 2.1: onnxruntime's fp16 conversion of its VAE (fp16 weights and I/O) replays pipeline_4steps: the same latents, frames within 0.1", async () => {
    const dir = copyOf('wan2.1-tiny', 'onnx-dynamo', 'wan')
    const vae = join(dir, 'vae_decoder/model.onnx')
    copyFileSync(join(FIXTURES, 'wan2.1-tiny/onnx-variants/vae_decoder-fp16/model.onnx'), vae)
    expect(edgeTypes(vae).map(([, t]) => t)).toEqual([F16, F16])
    const imported = await importFolder(dir, { modelsDir, name: 'wan fp16 vae' })
    const [run] = (
      await replayJson<{ runs: Run[] }>(join(FIXTURES, 'wan2.1-tiny/golden/pipeline_4steps'), imported.dir)
    ).runs
    expect(run.latentMaxAbsDiff).toBeLessThan(1e-4)
    // Measured 6.8e-2: the fp16 VAE's own arithmetic. onnxruntime in Python, fed the golden's VAE
    // input as float16, decodes frames 6.8e-2 from the fp32 graph's too (0.137 before x / 2 + 0.5).
    expect(run.imageMaxAbsDiff).toBeLessThan(0.1)
    expect(run.imageMaxAbsDiff).toBeGreaterThan(0)
  })

  it('Wan 2.2: its UMT5 and VAE with float16 edges replay pipeline_4steps through both experts: latents within 1e-3, frames within 1e-3', async () => {
    const dir = copyOf('wan2.2-tiny', 'onnx-dynamo', 'wan22')
    for (const c of ['text_encoder', 'vae_decoder']) float16Edges(join(dir, c, 'model.onnx'))
    const imported = await importFolder(dir, { modelsDir, name: 'wan 2.2 fp16 edges' })
    const [run] = (
      await replayJson<{ runs: Run[] }>(join(FIXTURES, 'wan2.2-tiny/golden/pipeline_4steps'), imported.dir)
    ).runs
    // Measured: latents 1.3e-4, frames 6.1e-5.
    expect(run.latentMaxAbsDiff).toBeLessThan(1e-3)
    expect(run.imageMaxAbsDiff).toBeLessThan(1e-3)
  })

  it("Qwen-Image: a VAE with float16 edges generates the fp32 VAE's PNG within 1 of 255 levels (studio generate --prompt-embeds)", async () => {
    const QWEN = join(FIXTURES, 'qwen-image-tiny')
    const embeds = join(QWEN, 'golden/transformer/input.encoder_hidden_states.npy')
    const full = qwenFolderWithVae(join(QWEN, 'onnx'), join(modelsDir, 'src-qwen'))
    const half = qwenFolderWithVae(join(QWEN, 'onnx'), join(modelsDir, 'src-qwen-fp16'))
    float16Edges(join(half, 'vae_decoder/model.onnx'))
    const pngs: Uint8Array[] = []
    for (const [src, name] of [
      [full, 'qwen fp32 vae'],
      [half, 'qwen fp16 vae']
    ]) {
      const imported = await importFolder(src, { modelsDir, name })
      const out = join(modelsDir, `${imported.id}.png`)
      const r = await studio(
        'generate',
        '--model',
        imported.dir,
        '--seed',
        '7',
        '--steps',
        '2',
        '--provider',
        'cpu',
        '--prompt-embeds',
        embeds,
        '--out',
        out
      )
      expect(r.code, r.err.join('\n')).toBe(0)
      pngs.push(readFileSync(out))
    }
    const [a, b] = pngs.map((p) => decode(p))
    expect([b.width, b.height]).toEqual([128, 96])
    expect(maxAbsDiff(b.data, a.data)).toBeLessThanOrEqual(1)
  })
})
