import { basename, join } from 'node:path'
import { z } from 'zod'
import { readRegularFile, readRegularText } from '../model/safe-read'
import { tensor, type Tensor } from '../tensor'
import { parseNpy, type NpyArray } from './npy'

/**
 * A Qwen-Image transformer golden (golden/transformer: manifest.json + .npy, one
 * QwenImageTransformer2DModel call made with diffusers): each case's inputs (packed latents,
 * prompt embeddings and their mask, timestep t / 1000) and the output to compare. Cases are the
 * `input.*` / `output.*` pair and the `input_b2.*` / `output_b2.*` one (masked tokens).
 */

export interface QwenTransformerCase {
  name: string
  hidden: Tensor
  states: Tensor
  mask: BigInt64Array
  timestep: Tensor
  output: Tensor
}

export interface QwenTransformerGolden {
  dir: string
  name: string
  cases: QwenTransformerCase[]
}

const EntrySchema = z.object({ file: z.string(), dtype: z.string(), shape: z.array(z.number().int()) })
const MAX_NPY_BYTES = 512 * 1024 * 1024

/** Whether a golden manifest is a Qwen-Image transformer golden (its encoder_hidden_states_mask input). */
export function isQwenTransformerManifest(keys: readonly string[]): boolean {
  return keys.includes('input.encoder_hidden_states_mask') && keys.includes('output.out_hidden_states')
}

export async function readQwenTransformerGolden(dir: string): Promise<QwenTransformerGolden> {
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
  if (!isQwenTransformerManifest(Object.keys(all)))
    throw new Error(
      `${manifestPath}: not a Qwen-Image transformer golden (no input.encoder_hidden_states_mask)`
    )
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
  const cases: QwenTransformerCase[] = []
  for (const [input, output] of [
    ['input', 'output'],
    ['input_b2', 'output_b2']
  ]) {
    if (!(`${input}.hidden_states` in all)) continue
    const mask = await read(`${input}.encoder_hidden_states_mask`)
    if (mask.kind !== 'int64')
      throw new Error(`${manifestPath}: ${input}.encoder_hidden_states_mask is not int64`)
    cases.push({
      name: input,
      hidden: await float(`${input}.hidden_states`),
      states: await float(`${input}.encoder_hidden_states`),
      mask: mask.data,
      timestep: await float(`${input}.timestep`),
      output: await float(`${output}.out_hidden_states`)
    })
  }
  return { dir, name: basename(dir), cases }
}
