import { basename, join } from 'node:path'
import { z } from 'zod'
import { readRegularFile, readRegularText } from '../model/safe-read'
import { tensor, type Tensor } from '../tensor'
import { parseNpy, type NpyArray } from './npy'

/**
 * An SD3 pipeline golden (pipeline_4steps: manifest.json + .npy, made with diffusers'
 * StableDiffusion3Pipeline) read into what a replay needs: the prompt and negative prompt with the
 * three tokenizers' ids, the prompt embeddings diffusers made (to compare the engine's with), the
 * initial latents, steps, guidance, size and T5 length, each step's timestep, and the final
 * latents and image to compare. golden.ts recognises the family by its `tokenizer_3.input_ids` key.
 */

export interface Sd3GoldenIds {
  clipL: BigInt64Array
  clipG: BigInt64Array
  t5: BigInt64Array
}

export interface Sd3Golden {
  family: 'sd3'
  dir: string
  name: string
  prompt: string
  negativePrompt: string
  width: number
  height: number
  steps: number
  guidanceScale: number
  maxSequenceLength: number
  tokenIds: { uncond: Sd3GoldenIds; cond: Sd3GoldenIds }
  embeds: { cond: { states: Tensor; pooled: Tensor }; uncond: { states: Tensor; pooled: Tensor } }
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
  schedule: z.object({ timesteps: z.array(z.number()), sigmas: z.array(z.number()) })
})

const EntrySchema = z.object({ file: z.string(), dtype: z.string(), shape: z.array(z.number().int()) })

const MAX_NPY_BYTES = 512 * 1024 * 1024

export async function readSd3Golden(dir: string): Promise<Sd3Golden> {
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
    throw new Error(`${manifestPath}: _about.${i.path.join('.')}: ${i.message}`)
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
  const l = await rows('tokenizer.input_ids')
  const g = await rows('tokenizer_2.input_ids')
  const t5 = await rows('tokenizer_3.input_ids')
  const stepTimesteps: number[] = []
  for (let i = 0; i < a.num_inference_steps; i++) {
    const arr = await read(`step${i}.timestep`)
    stepTimesteps.push(Number(arr.data[0]))
  }
  return {
    family: 'sd3',
    dir,
    name: basename(dir),
    prompt: a.prompt,
    negativePrompt: a.negative_prompt,
    width: a.width,
    height: a.height,
    steps: a.num_inference_steps,
    guidanceScale: a.guidance_scale,
    maxSequenceLength: a.max_sequence_length,
    tokenIds: {
      cond: { clipL: l.cond, clipG: g.cond, t5: t5.cond },
      uncond: { clipL: l.uncond, clipG: g.uncond, t5: t5.uncond }
    },
    embeds: {
      cond: { states: await float('prompt_embeds'), pooled: await float('pooled_prompt_embeds') },
      uncond: {
        states: await float('negative_prompt_embeds'),
        pooled: await float('negative_pooled_prompt_embeds')
      }
    },
    initialLatents: await float('initial_latents'),
    schedule: a.schedule,
    stepTimesteps,
    finalLatents: await float('final_latents'),
    image: await float('image_pt')
  }
}
