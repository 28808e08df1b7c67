import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import { tensor, type Tensor } from '../tensor'
import {
  goldenEntries,
  goldenReader,
  goldenRuns,
  parseAbout,
  readGoldenManifest,
  type GoldenRun,
  type ReferenceContext
} from './golden-files'

/**
 * A Wan golden folder (`pipeline_4steps`, `dbcache_10steps` of wan2.1-tiny / wan2.2-tiny: made
 * with diffusers' WanPipeline and CacheDiT) read into what the Wan replay needs: the prompt and
 * settings, the saved token ids and mask, the initial noise, the schedule, and each run's final
 * latents, decoded frames and CacheDiT decisions (cond = `cached_steps`, uncond =
 * `cfg_cached_steps`, one stats entry per transformer in the pipeline's order).
 */

export interface WanGolden {
  family: 'wan'
  dir: string
  prompt: string
  negativePrompt: string
  steps: number
  guidanceScale: number
  guidanceScale2: number | null
  /** The text length the golden was made with; null when neither it nor a sibling golden says. */
  maxSequenceLength: number | null
  /** Where maxSequenceLength came from, when not from this golden's own _about. */
  maxSequenceLengthNote: string | null
  /** Rows: prompt, negative prompt (where saved). */
  tokenIds: { ids: BigInt64Array; mask: BigInt64Array; length: number } | null
  /** The pipeline's prompt embeddings (zeroed past the prompt), where saved. */
  promptEmbeds: { cond: Tensor; uncond: Tensor } | null
  /** [1, C, F, h, w], as diffusers drew it. */
  initialLatents: Tensor
  schedule: { sigmas: number[]; timesteps: number[] }
  /** The transformer of each step where the golden says (Wan 2.2). */
  expertPerStep: string[] | null
  runs: GoldenRun[]
}

const AboutSchema = z.object({
  prompt: z.string(),
  negative_prompt: z.string().default(''),
  num_inference_steps: z.number().int().positive(),
  guidance_scale: z.number(),
  guidance_scale_2: z.number().nullable().optional(),
  max_sequence_length: z.number().int().positive().optional(),
  schedule: z.object({
    timesteps: z.array(z.number()),
    sigmas: z.array(z.number()),
    expert_per_step: z.array(z.string()).optional()
  }),
  results: z.record(z.string(), z.unknown()).optional()
})

const StatsSchema = z.object({
  cached_steps: z.array(z.number().int()),
  residual_diffs: z.record(z.string(), z.number()),
  cfg_cached_steps: z.array(z.number().int()).default([]),
  cfg_residual_diffs: z.record(z.string(), z.number()).default({})
})
const ResultSchema = z.object({ stats: z.array(StatsSchema).min(1), cache_config: z.string() })

/** Transformer names of CacheDiT's stats entries, in the pipeline's order. */
const TRANSFORMERS = ['transformer', 'transformer_2']

export async function readWanGolden(dir: string): Promise<WanGolden> {
  const m = await readGoldenManifest(dir)
  const a = parseAbout(m, AboutSchema, m.all._about ?? {})
  const entries = goldenEntries(m)
  const { float, int } = goldenReader(dir, m)

  let tokenIds: WanGolden['tokenIds'] = null
  if ('tokenizer.input_ids' in entries && 'tokenizer.attention_mask' in entries) {
    const ids = await int('tokenizer.input_ids')
    const mask = await int('tokenizer.attention_mask')
    tokenIds = { ids, mask, length: entries['tokenizer.input_ids'].shape[1] }
  }
  const promptEmbeds =
    'prompt_embeds' in entries && 'negative_prompt_embeds' in entries
      ? { cond: await float('prompt_embeds'), uncond: await float('negative_prompt_embeds') }
      : null

  // The text length: this golden's, else its token ids', else a sibling golden's of the same prompts.
  let maxSequenceLength = a.max_sequence_length ?? tokenIds?.length ?? null
  let maxSequenceLengthNote: string | null = null
  if (maxSequenceLength === null) {
    const sibling = await siblingTextLength(dir, a.prompt, a.negative_prompt)
    if (sibling) {
      maxSequenceLength = sibling.length
      maxSequenceLengthNote = `max_sequence_length ${sibling.length} from ${sibling.from} (same prompts; this golden does not say)`
    }
  }

  const runs = await goldenRuns(dir, m, a.results, {
    latents: 'final_latents',
    image: { key: 'video_np', layout: framesFirst },
    schema: ResultSchema,
    lacks: 'stats with cached steps and a cache_config',
    merge: false,
    contexts: contextsOf
  })
  return {
    family: 'wan',
    dir,
    prompt: a.prompt,
    negativePrompt: a.negative_prompt,
    steps: a.num_inference_steps,
    guidanceScale: a.guidance_scale,
    guidanceScale2: a.guidance_scale_2 ?? null,
    maxSequenceLength,
    maxSequenceLengthNote,
    tokenIds,
    promptEmbeds,
    initialLatents: await float('initial_latents'),
    schedule: { sigmas: a.schedule.sigmas, timesteps: a.schedule.timesteps },
    expertPerStep: a.schedule.expert_per_step ?? null,
    runs
  }
}

/** CacheDiT's decisions per transformer: cond = `cached_steps`, uncond = `cfg_cached_steps`. */
function contextsOf(r: z.infer<typeof ResultSchema>): ReferenceContext[] {
  return r.stats.flatMap((s, i) => [
    {
      transformer: TRANSFORMERS[i] ?? `#${i}`,
      branch: 'cond' as const,
      cachedSteps: s.cached_steps,
      residualDiffs: s.residual_diffs
    },
    {
      transformer: TRANSFORMERS[i] ?? `#${i}`,
      branch: 'uncond' as const,
      cachedSteps: s.cfg_cached_steps,
      residualDiffs: s.cfg_residual_diffs
    }
  ])
}

/** diffusers' output_type='np' frames [1, F, H, W, 3] → the VAE's layout [1, 3, F, H, W]. */
function framesFirst(t: Tensor): Tensor {
  const [B, F, H, W, C] = t.dims
  if (t.dims.length !== 5 || C !== 3)
    throw new Error(`video frames [${t.dims.join(', ')}] are not [1, F, H, W, 3]`)
  const out = new Float32Array(t.data.length)
  const plane = F * H * W
  for (let b = 0; b < B; b++)
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < 3; c++) out[(b * 3 + c) * plane + p] = t.data[(b * plane + p) * 3 + c]
  return tensor(out, [B, 3, F, H, W])
}

async function siblingTextLength(
  dir: string,
  prompt: string,
  negative: string
): Promise<{ length: number; from: string } | null> {
  const parent = dirname(dir)
  for (const name of ['pipeline_4steps']) {
    const other = join(parent, name)
    if (other === dir || !existsSync(join(other, 'manifest.json'))) continue
    const about = AboutSchema.safeParse((await readGoldenManifest(other)).all._about ?? {})
    if (!about.success || about.data.max_sequence_length === undefined) continue
    if (about.data.prompt !== prompt || about.data.negative_prompt !== negative) continue
    return { length: about.data.max_sequence_length, from: join('..', name) }
  }
  return null
}
