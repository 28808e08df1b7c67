import { EngineFailure } from '../../errors'
import type { ValueInfo } from '../../model/session'
import { checkSideMultiples } from '../image-size'
import { fixedDim, graphInput } from '../input-shapes'
import { vaeScaleFactor } from '../vae-decode'
import type { PixArtConfigs } from './configs'
import type { PixArtShape } from './model'

/**
 * What a PixArt transformer graph allows, from its inputs' shapes (PixArtTransformer2DModel's
 * forward: hidden_states [B, C, h, w], encoder_hidden_states [B, L, D], timestep [B],
 * encoder_attention_mask [B, L]). A number is a dimension the export fixed: the fixtures' exports
 * are static in all of them (TorchScript and dynamo both bake the shapes), so such a model makes
 * one size only, at its one batch and text length.
 */

const MAX_SIDE = 4096

export function pixartShape(
  inputs: readonly ValueInfo[],
  configs: PixArtConfigs,
  label: string
): PixArtShape {
  const hidden = graphInput(inputs, 'hidden_states')
  const text = graphInput(inputs, 'encoder_hidden_states')
  if (!hidden || !text)
    throw new EngineFailure(
      'model_invalid',
      `${label}: a PixArt transformer takes hidden_states and encoder_hidden_states (it takes ${inputs.map((v) => v.name).join(', ')})`
    )
  if (hidden.shape.length !== 4 || text.shape.length !== 3)
    throw new EngineFailure(
      'model_invalid',
      `${label}: hidden_states is [${hidden.shape.join(', ')}] and encoder_hidden_states [${text.shape.join(', ')}]; expected [B, C, h, w] and [B, L, D]`
    )
  const scale = vaeScaleFactor(configs.vae.block_out_channels)
  const t = configs.transformer
  const channels = fixedDim(hidden.shape[1])
  if (channels !== null && channels !== t.in_channels)
    throw new EngineFailure(
      'model_invalid',
      `${label}: hidden_states has ${channels} channels, transformer/config.json's in_channels is ${t.in_channels}`
    )
  const h = fixedDim(hidden.shape[2])
  const w = fixedDim(hidden.shape[3])
  if ((h === null) !== (w === null))
    throw new EngineFailure(
      'model_invalid',
      `${label}: hidden_states fixes one side only ([${hidden.shape.join(', ')}])`
    )
  const batches = [
    hidden.shape[0],
    text.shape[0],
    graphInput(inputs, 'timestep')?.shape[0],
    graphInput(inputs, 'encoder_attention_mask')?.shape[0]
  ]
    .map((d) => fixedDim(d))
    .filter((d): d is number => d !== null)
  if (new Set(batches).size > 1)
    throw new EngineFailure(
      'model_invalid',
      `${label}: its inputs fix different batch sizes (${batches.join(', ')})`
    )
  const fixedBatch = batches[0] ?? null
  if (fixedBatch !== null && fixedBatch !== 1 && fixedBatch !== 2)
    throw new EngineFailure(
      'model_invalid',
      `${label}: its batch is fixed at ${fixedBatch}; the pipeline calls it at 1 (one branch) or 2 (CFG's [uncond, cond])`
    )
  return {
    multipleOf: scale * t.patch_size,
    max: MAX_SIDE,
    fixed: h !== null && w !== null ? { width: w * scale, height: h * scale } : null,
    fixedBatch,
    fixedTextLength: fixedDim(text.shape[1])
  }
}

/** A request's size checked against what the graph allows. */
export function checkPixArtSize(shape: PixArtShape, width: number, height: number, id: string): void {
  if (shape.fixed) {
    if (width !== shape.fixed.width || height !== shape.fixed.height)
      throw new EngineFailure(
        'bad_request',
        `${width}×${height}: ${id}'s transformer graph is static and makes ${shape.fixed.width}×${shape.fixed.height} images only`
      )
    return
  }
  checkSideMultiples({ id, sizes: shape }, width, height)
}
