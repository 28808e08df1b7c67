import { extname } from 'node:path'
import { EngineFailure } from '../../errors'
import { readRegularFile } from '../../model/safe-read'
import { parseNpy } from '../../replay/npy'
import { tensor, type Tensor } from '../../tensor'
import { parseSafetensors, type SafeTensor } from './safetensors'

/**
 * Precomputed prompt embeddings for a Qwen-Image transformer whose text encoder (Qwen2.5-VL) has
 * no graph in the folder: what QwenImagePipeline takes as `prompt_embeds` (+ `prompt_embeds_mask`)
 * instead of a prompt. A `.npy` file holds the states alone ([1, S, D] or [S, D]; every token
 * attended to); a `.safetensors` file holds `prompt_embeds` and optionally `prompt_embeds_mask`,
 * `negative_prompt_embeds` and `negative_prompt_embeds_mask` (the names diffusers' pipeline uses).
 */

export interface QwenPromptEmbeds {
  /** [1, S, D] float32. */
  states: Tensor
  /** S values, 1 for a token attended to, 0 for padding. */
  mask: BigInt64Array
}

export interface QwenPromptEmbedsFile {
  cond: QwenPromptEmbeds
  /** Present only in a safetensors file with negative_prompt_embeds (true CFG). */
  uncond: QwenPromptEmbeds | null
}

const MAX_BYTES = 2 * 1024 * 1024 * 1024

export async function readQwenPromptEmbeds(file: string, width: number): Promise<QwenPromptEmbedsFile> {
  const bytes = await readRegularFile(file, { maxBytes: MAX_BYTES, label: file })
  return parseQwenPromptEmbeds(bytes, file, width)
}

/** The embeddings in a file's bytes (read by the caller); `file` names it and gives its type. */
export function parseQwenPromptEmbeds(bytes: Uint8Array, file: string, width: number): QwenPromptEmbedsFile {
  const ext = extname(file).toLowerCase()
  if (ext === '.npy') {
    const arr = parseNpy(bytes, file)
    if (arr.kind !== 'float32')
      throw new EngineFailure('bad_request', `${file}: int64 values; prompt embeddings are floats`)
    return { cond: embeds(file, tensor(arr.data, arr.shape), null, width), uncond: null }
  }
  if (ext === '.safetensors') {
    const all = parseSafetensors(bytes, file)
    const get = (name: string) => all.get(name) ?? null
    const states = get('prompt_embeds')
    if (!states)
      throw new EngineFailure(
        'bad_request',
        `${file}: no "prompt_embeds" tensor (it has ${[...all.keys()].join(', ') || 'none'})`
      )
    const negative = get('negative_prompt_embeds')
    return {
      cond: embeds(file, floats(file, 'prompt_embeds', states), get('prompt_embeds_mask'), width),
      uncond: negative
        ? embeds(
            file,
            floats(file, 'negative_prompt_embeds', negative),
            get('negative_prompt_embeds_mask'),
            width
          )
        : null
    }
  }
  throw new EngineFailure('bad_request', `${file}: prompt embeddings must be a .npy or .safetensors file`)
}

function floats(file: string, name: string, v: SafeTensor): Tensor {
  if (v.kind !== 'float32') throw new EngineFailure('bad_request', `${file}: "${name}" is not a float tensor`)
  return tensor(v.data, v.shape)
}

function embeds(file: string, raw: Tensor, mask: SafeTensor | null, width: number): QwenPromptEmbeds {
  const dims = raw.dims.length === 2 ? [1, ...raw.dims] : raw.dims
  if (dims.length !== 3 || dims[0] !== 1 || dims[2] !== width)
    throw new EngineFailure(
      'bad_request',
      `${file}: prompt embeddings are [${raw.dims.join(', ')}]; this transformer takes [1, S, ${width}] (joint_attention_dim ${width})`
    )
  const S = dims[1]
  let m: BigInt64Array
  if (mask === null) m = new BigInt64Array(S).fill(1n)
  else {
    if (mask.data.length !== S)
      throw new EngineFailure(
        'bad_request',
        `${file}: the mask has ${mask.data.length} values for ${S} tokens`
      )
    m = BigInt64Array.from(Array.from(mask.data, (v: number | bigint) => (Number(v) !== 0 ? 1n : 0n)))
  }
  return { states: tensor(raw.data, dims), mask: m }
}
