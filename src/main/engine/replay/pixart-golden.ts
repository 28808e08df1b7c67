import { z } from 'zod'
import { goldenRows, readPipelineGolden, type PipelineGolden } from './golden-files'

/**
 * A PixArt-Σ pipeline golden (pipeline_4steps: manifest.json + .npy, made with diffusers'
 * PixArtSigmaPipeline) read into what a replay needs: the prompt and negative prompt with their
 * token ids and masks, the initial latents, steps, guidance, size and sequence length, each step's
 * timestep, and the final latents and image to compare. golden.ts recognises the family by its
 * `prompt_attention_mask` key.
 */

export interface PixArtGolden extends PipelineGolden {
  family: 'pixart-sigma'
  /** Rows [negative, prompt], as the golden saved the tokenizer's output. */
  tokenIds: { uncond: BigInt64Array; cond: BigInt64Array }
  masks: { uncond: BigInt64Array; cond: BigInt64Array }
}

export async function readPixArtGolden(dir: string): Promise<PixArtGolden> {
  // use_resolution_binning=False: the golden's size is the size the pipeline made.
  const { golden, read } = await readPipelineGolden(dir, { use_resolution_binning: z.literal(false) })
  return {
    family: 'pixart-sigma',
    ...golden,
    tokenIds: await goldenRows(dir, read, 'tokenizer.input_ids'),
    masks: await goldenRows(dir, read, 'tokenizer.attention_mask')
  }
}
