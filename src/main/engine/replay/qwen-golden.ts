import { basename } from 'node:path'
import type { Tensor } from '../tensor'
import { goldenReader, readGoldenManifest } from './golden-files'

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

/** Whether a golden manifest is a Qwen-Image transformer golden (its encoder_hidden_states_mask input). */
export function isQwenTransformerManifest(keys: readonly string[]): boolean {
  return keys.includes('input.encoder_hidden_states_mask') && keys.includes('output.out_hidden_states')
}

export async function readQwenTransformerGolden(dir: string): Promise<QwenTransformerGolden> {
  const m = await readGoldenManifest(dir)
  const { manifestPath, all } = m
  if (!isQwenTransformerManifest(Object.keys(all)))
    throw new Error(
      `${manifestPath}: not a Qwen-Image transformer golden (no input.encoder_hidden_states_mask)`
    )
  const { float, int } = goldenReader(dir, m)
  const cases: QwenTransformerCase[] = []
  for (const [input, output] of [
    ['input', 'output'],
    ['input_b2', 'output_b2']
  ]) {
    if (!(`${input}.hidden_states` in all)) continue
    cases.push({
      name: input,
      hidden: await float(`${input}.hidden_states`),
      states: await float(`${input}.encoder_hidden_states`),
      mask: await int(`${input}.encoder_hidden_states_mask`),
      timestep: await float(`${input}.timestep`),
      output: await float(`${output}.out_hidden_states`)
    })
  }
  return { dir, name: basename(dir), cases }
}
