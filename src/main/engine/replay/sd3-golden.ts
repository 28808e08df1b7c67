import type { Tensor } from '../tensor'
import { goldenRows, readPipelineGolden, type PipelineGolden } from './golden-files'

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

export interface Sd3Golden extends PipelineGolden {
  family: 'sd3'
  tokenIds: { uncond: Sd3GoldenIds; cond: Sd3GoldenIds }
  embeds: { cond: { states: Tensor; pooled: Tensor }; uncond: { states: Tensor; pooled: Tensor } }
}

export async function readSd3Golden(dir: string): Promise<Sd3Golden> {
  const { golden, read, float } = await readPipelineGolden(dir, {})
  const l = await goldenRows(dir, read, 'tokenizer.input_ids')
  const g = await goldenRows(dir, read, 'tokenizer_2.input_ids')
  const t5 = await goldenRows(dir, read, 'tokenizer_3.input_ids')
  return {
    family: 'sd3',
    ...golden,
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
    }
  }
}
