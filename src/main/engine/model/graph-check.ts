import type { onnx as Onnx } from 'onnx-proto'
import type { ModelManifest } from '../../../shared/manifest'
import { EngineFailure } from '../errors'
import { graphInputNames, graphOutputNames, toNumber, type ModelProto } from './onnx-graph'
import { contextInputs, ENCODER, HIDDEN, PATTERN_IO } from './patterns'

/**
 * Checks each graph's inputs and outputs against the manifest and docs/model-package.md before
 * any session exists, so a package exported with the wrong names or shapes is refused at load
 * with the file and the disagreement, not halfway through a generation.
 */

export type GraphLookup = (file: string) => ModelProto

const TEXT_INPUTS = ['text_hidden', 'text_pooled']

export function checkGraphs(manifest: ModelManifest, graph: GraphLookup): void {
  const L = manifest.tokenizer.maxLength
  const { channels: C, frames: F, height: H, width: W } = manifest.latent
  const video = manifest.kind === 'video'
  const latentDims = video ? [C, F, H, W] : [C, H, W]

  const te = manifest.textEncoder.file
  const teModel = graph(te)
  expectNames(te, 'inputs', graphInputNames(teModel), ['input_ids'])
  const teOut = graphOutputNames(teModel)
  requireNames(te, 'outputs', teOut, ['text_hidden'])
  expectDims(te, findValue(teModel, 'input', 'input_ids'), [L], 'tokenizer.maxLength')
  const textOutputs = teOut.filter((n) => TEXT_INPUTS.includes(n))

  for (const t of manifest.transformers) {
    const embed = graph(t.embed.file)
    const embedIn = graphInputNames(embed)
    requireNames(t.embed.file, 'inputs', embedIn, ['latent', 'timestep'])
    for (const n of embedIn) {
      if (n !== 'latent' && n !== 'timestep' && !textOutputs.includes(n)) {
        fail(
          t.embed.file,
          `input "${n}" is neither latent, timestep nor a text encoder output (${textOutputs.join(', ')})`
        )
      }
    }
    expectDims(t.embed.file, findValue(embed, 'input', 'latent'), latentDims, 'latent')
    const embedOut = graphOutputNames(embed)
    requireNames(t.embed.file, 'outputs', embedOut, [HIDDEN])
    const contexts = contextInputs(embedOut)
    let hasEncoder = embedOut.includes(ENCODER)

    for (const list of t.blockLists) {
      const io = PATTERN_IO[list.pattern]
      for (const file of list.blocks) {
        const block = graph(file)
        const inputs = graphInputNames(block)
        const streams = inputs.filter((n) => n === HIDDEN || n === ENCODER)
        if (!sameSet(streams, io.inputs)) {
          fail(
            file,
            `${list.pattern} blocks take ${io.inputs.join(', ')}; the graph takes ${streams.join(', ') || 'neither stream'}`
          )
        }
        for (const n of contextInputs(inputs)) {
          if (!contexts.includes(n))
            fail(
              file,
              `input "${n}" is not a context tensor of ${t.embed.file} (${contexts.join(', ') || 'none'})`
            )
        }
        if (io.takesEncoder && !hasEncoder) {
          fail(file, `reads ${ENCODER}, but neither ${t.embed.file} nor an earlier block provides it`)
        }
        const outputs = graphOutputNames(block)
        if (outputs.join() !== io.outputs.join()) {
          fail(
            file,
            `${list.pattern} blocks return (${io.outputs.join(', ')}); the graph returns (${outputs.join(', ')})`
          )
        }
        hasEncoder ||= io.returnsEncoder
      }
    }

    const final = graph(t.final.file)
    const finalIn = graphInputNames(final)
    requireNames(t.final.file, 'inputs', finalIn, [HIDDEN])
    for (const n of contextInputs(finalIn)) {
      if (!contexts.includes(n)) fail(t.final.file, `input "${n}" is not a context tensor of ${t.embed.file}`)
    }
    requireNames(t.final.file, 'outputs', graphOutputNames(final), ['velocity'])
    expectDims(t.final.file, findValue(final, 'output', 'velocity'), latentDims, 'latent')
  }

  if (manifest.decoder) {
    const file = manifest.decoder.file
    const dec = graph(file)
    expectNames(file, 'inputs', graphInputNames(dec), ['latent'])
    requireNames(file, 'outputs', graphOutputNames(dec), ['image'])
    expectDims(file, findValue(dec, 'input', 'latent'), latentDims, 'latent')
    const { width, height, frames } = manifest.output
    expectDims(
      file,
      findValue(dec, 'output', 'image'),
      video ? [3, frames, height, width] : [3, height, width],
      'output'
    )
  }
}

function fail(file: string, problem: string): never {
  throw new EngineFailure('model_invalid', `${file}: ${problem}`)
}

function expectNames(file: string, what: string, got: string[], want: string[]): void {
  if (!sameSet(got, want)) fail(file, `${what} are (${got.join(', ')}), expected (${want.join(', ')})`)
}

function requireNames(file: string, what: string, got: string[], want: string[]): void {
  const missing = want.filter((n) => !got.includes(n))
  if (missing.length > 0)
    fail(file, `${what} lack ${missing.map((n) => `"${n}"`).join(', ')} (has ${got.join(', ') || 'none'})`)
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n) => b.includes(n))
}

function findValue(
  model: ModelProto,
  where: 'input' | 'output',
  name: string
): Onnx.IValueInfoProto | undefined {
  return (model.graph?.[where] ?? []).find((v) => v.name === name)
}

/** Compares the non-batch dims that the graph fixes (symbolic dims are accepted as is). */
function expectDims(
  file: string,
  value: Onnx.IValueInfoProto | undefined,
  want: number[],
  field: string
): void {
  const dims = value?.type?.tensorType?.shape?.dim
  if (!value || !dims) return
  const got = dims.slice(1).map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue)))
  const agrees =
    got.length === want.length && got.every((d, i) => typeof d === 'string' || d === 0 || d === want[i])
  if (!agrees) {
    fail(
      file,
      `"${value.name}" has shape [batch, ${got.join(', ')}], model.json ${field} says [batch, ${want.join(', ')}]`
    )
  }
}
