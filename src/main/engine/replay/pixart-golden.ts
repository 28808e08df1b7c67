import { basename, join } from 'node:path'
import { z } from 'zod'
import { readRegularFile, readRegularText } from '../model/safe-read'
import { tensor, type Tensor } from '../tensor'
import { parseNpy, type NpyArray } from './npy'

/**
 * A PixArt-Σ pipeline golden (pipeline_4steps: manifest.json + .npy, made with diffusers'
 * PixArtSigmaPipeline) read into what a replay needs: the prompt and negative prompt with their
 * token ids and masks, the initial latents, steps, guidance, size and sequence length, each step's
 * timestep, and the final latents and image to compare. golden.ts recognises the family by its
 * `prompt_attention_mask` key.
 */

export interface PixArtGolden {
  family: 'pixart-sigma'
  dir: string
  name: string
  prompt: string
  negativePrompt: string
  width: number
  height: number
  steps: number
  guidanceScale: number
  maxSequenceLength: number
  /** Rows [negative, prompt], as the golden saved the tokenizer's output. */
  tokenIds: { uncond: BigInt64Array; cond: BigInt64Array }
  masks: { uncond: BigInt64Array; cond: BigInt64Array }
  initialLatents: Tensor
  schedule: { timesteps: number[]; sigmas: number[] }
  /** The transformer's timestep of each step (its first batch row). */
  stepTimesteps: number[]
  finalLatents: Tensor
  /** The decoded image in [0, 1] (output_type='pt'). */
  image: Tensor
}

const AboutSchema = z.object({
  prompt: z.string(),
  negative_prompt: z.string(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  num_inference_steps: z.number().int().positive().max(1000),
  guidance_scale: z.number(),
  max_sequence_length: z.number().int().positive(),
  use_resolution_binning: z.literal(false),
  schedule: z.object({ timesteps: z.array(z.number()), sigmas: z.array(z.number()) })
})

const EntrySchema = z.object({ file: z.string(), dtype: z.string(), shape: z.array(z.number().int()) })

const MAX_NPY_BYTES = 512 * 1024 * 1024

export async function readPixArtGolden(dir: string): Promise<PixArtGolden> {
  const manifestPath = join(dir, 'manifest.json')
  let raw: unknown
  try {
    raw = JSON.parse(await readRegularText(manifestPath, { maxBytes: 16 * 1024 * 1024 }))
  } catch (e) {
    throw new Error(`${manifestPath}: not a golden manifest (${(e as Error).message})`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${manifestPath}: not a golden manifest (not a JSON object)`)
  const all = raw as Record<string, unknown>
  const about = AboutSchema.safeParse(all._about)
  if (!about.success) {
    const i = about.error.issues[0]
    throw new Error(`${manifestPath}: _about ${i.path.join('.')}: ${i.message}`)
  }
  const a = about.data
  const read = async (key: string): Promise<NpyArray> => {
    const e = EntrySchema.safeParse(all[key])
    if (!e.success) throw new Error(`${manifestPath}: no "${key}" entry with file, dtype and shape`)
    const file = e.data.file
    if (file.includes('/') || file.includes('\\') || file.startsWith('.'))
      throw new Error(`${manifestPath}: "${key}" names a file outside the folder`)
    const label = join(dir, file)
    const arr = parseNpy(await readRegularFile(label, { maxBytes: MAX_NPY_BYTES, root: dir }), label)
    if (arr.shape.join() !== e.data.shape.join())
      throw new Error(
        `${label}: shape [${arr.shape.join(', ')}], the manifest says [${e.data.shape.join(', ')}]`
      )
    return arr
  }
  const float = async (key: string): Promise<Tensor> => {
    const arr = await read(key)
    if (arr.kind !== 'float32') throw new Error(`${join(dir, key)}: int64, expected floats`)
    return tensor(arr.data, arr.shape)
  }
  const rows = async (key: string): Promise<{ uncond: BigInt64Array; cond: BigInt64Array }> => {
    const arr = await read(key)
    if (arr.kind !== 'int64' || arr.shape.length !== 2 || arr.shape[0] !== 2)
      throw new Error(`${join(dir, key)}: expected int64 [2, L] rows [negative, prompt]`)
    const L = arr.shape[1]
    return { uncond: arr.data.slice(0, L), cond: arr.data.slice(L) }
  }
  const stepTimesteps: number[] = []
  for (let i = 0; i < a.num_inference_steps; i++) {
    const arr = await read(`step${i}.timestep`)
    stepTimesteps.push(Number(arr.kind === 'int64' ? arr.data[0] : arr.data[0]))
  }
  return {
    family: 'pixart-sigma',
    dir,
    name: basename(dir),
    prompt: a.prompt,
    negativePrompt: a.negative_prompt,
    width: a.width,
    height: a.height,
    steps: a.num_inference_steps,
    guidanceScale: a.guidance_scale,
    maxSequenceLength: a.max_sequence_length,
    tokenIds: await rows('tokenizer.input_ids'),
    masks: await rows('tokenizer.attention_mask'),
    initialLatents: await float('initial_latents'),
    schedule: a.schedule,
    stepTimesteps,
    finalLatents: await float('final_latents'),
    image: await float('image_pt')
  }
}
