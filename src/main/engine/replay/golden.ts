import { z } from 'zod'
import type { Tensor } from '../tensor'
import {
  goldenEntries,
  goldenReader,
  goldenRuns,
  parseAbout,
  readGoldenManifest,
  type GoldenManifest,
  type GoldenRun,
  type ReferenceContext
} from './golden-files'

/**
 * A golden folder (`manifest.json` + `.npy` tensors, made with diffusers and CacheDiT) read into
 * what a replay needs: the inputs of each run and the reference's results. Goldens differ between
 * families (FLUX saves packed latents and token ids, Wan per-call CFG branches, SD3 a batched CFG
 * prediction): the family is recognised from the manifest's keys, and only what replay can run
 * (FLUX pipelines, with and without CacheDiT) is read; any other golden is refused by name.
 */

export type { GoldenRun, ReferenceContext }

export interface FluxGolden {
  family: 'flux'
  dir: string
  prompt: string
  width: number
  height: number
  steps: number
  guidanceScale: number
  maxSequenceLength: number
  /** Token ids of each tokenizer where the golden saved them (else replay tokenizes the prompt). */
  tokenIds: { tokenizer: BigInt64Array; tokenizer_2: BigInt64Array } | null
  /** The packed initial latents, as diffusers drew them. */
  initialLatents: Tensor
  schedule: { sigmas: number[]; timesteps: number[]; mu: number | null }
  /** The transformer's timestep input of each step, where saved. */
  stepTimesteps: number[] | null
  runs: GoldenRun[]
}

const ScheduleSchema = z.object({
  mu: z.number().optional(),
  timesteps: z.array(z.number()),
  scheduler_sigmas: z.array(z.number()).optional(),
  sigmas: z.array(z.number()).optional()
})

const FluxAboutSchema = z.object({
  prompt: z.string(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  num_inference_steps: z.number().int().positive(),
  guidance_scale: z.number(),
  max_sequence_length: z.number().int().positive(),
  schedule: ScheduleSchema,
  results: z.record(z.string(), z.unknown()).optional()
})

const FluxResultSchema = z.object({
  cached_steps: z.array(z.number().int()),
  residual_diffs: z.record(z.string(), z.number()),
  cache_config: z.string()
})

const FAMILY_WORDS: Record<string, string> = {
  sd3: 'an SD3 pipeline golden',
  'pixart-sigma': 'a PixArt-Σ pipeline golden',
  wan: 'a Wan pipeline golden',
  transformer: 'a golden of one transformer call (no pipeline to replay)'
}

/** Which family's golden a manifest is, from its keys (null: not a golden replay knows). */
export function goldenFamily(keys: readonly string[], about: Record<string, unknown>): string | null {
  const has = (k: string) => keys.includes(k)
  if (has('tokenizer_3.input_ids')) return 'sd3'
  if (has('prompt_attention_mask')) return 'pixart-sigma'
  if (keys.some((k) => /^(uncached\.)?call\d+\./.test(k)) || has('initial_latents')) return 'wan'
  if (has('initial_latents_packed')) return 'flux'
  if (typeof about.call === 'string' && about.call.includes('transformer(')) return 'transformer'
  return null
}

/**
 * Which family's golden a folder holds, for `studio replay` to dispatch on: null when its
 * manifest cannot be read (the family's own reader then says what is wrong with it).
 */
export async function readGoldenKind(dir: string): Promise<{ family: string | null; keys: string[] } | null> {
  let m: GoldenManifest
  try {
    m = await readGoldenManifest(dir)
  } catch {
    return null
  }
  return kindOf(m)
}

function kindOf(m: GoldenManifest): { family: string | null; keys: string[] } {
  const keys = Object.keys(m.all).filter((k) => k !== '_about')
  return { family: goldenFamily(keys, (m.all._about ?? {}) as Record<string, unknown>), keys }
}

export async function readGolden(dir: string): Promise<FluxGolden> {
  const m = await readGoldenManifest(dir)
  const { family } = kindOf(m)
  if (family !== 'flux') {
    const what = family === null ? 'a golden of a kind replay does not know' : FAMILY_WORDS[family]
    throw new Error(
      `${m.manifestPath}: ${what}; replay runs FLUX pipeline goldens (pipeline_4steps, dbcache_10steps) only`
    )
  }
  const entries = goldenEntries(m)
  const a = parseAbout(m, FluxAboutSchema, m.all._about ?? {})
  const { float, int } = goldenReader(dir, m)
  const sigmas = a.schedule.scheduler_sigmas ?? a.schedule.sigmas
  if (!sigmas) throw new Error(`${m.manifestPath}: _about.schedule has no scheduler_sigmas`)

  const tokenIds =
    'tokenizer.input_ids' in entries && 'tokenizer_2.input_ids' in entries
      ? { tokenizer: await int('tokenizer.input_ids'), tokenizer_2: await int('tokenizer_2.input_ids') }
      : null
  const steps = a.num_inference_steps
  const stepKey = (i: number) =>
    [`step${i}.timestep`, `uncached.step${i}.timestep`].find((k) => k in entries) ?? null
  const stepTimesteps: number[] = []
  for (let i = 0; i < steps; i++) {
    const k = stepKey(i)
    if (k === null) break
    stepTimesteps.push((await float(k)).data[0])
  }

  const runs = await goldenRuns(dir, m, a.results, {
    latents: 'final_latents_packed',
    image: { key: 'image_pt' },
    schema: FluxResultSchema,
    lacks: 'cached_steps, residual_diffs and cache_config',
    // CacheDiT's Flux adapter caches both block lists as one (its _about.adapter).
    merge: true,
    contexts: (r): ReferenceContext[] => [
      {
        transformer: 'transformer',
        branch: 'cond',
        cachedSteps: r.cached_steps,
        residualDiffs: r.residual_diffs
      }
    ]
  })

  return {
    family: 'flux',
    dir,
    prompt: a.prompt,
    width: a.width,
    height: a.height,
    steps,
    guidanceScale: a.guidance_scale,
    maxSequenceLength: a.max_sequence_length,
    tokenIds,
    initialLatents: await float('initial_latents_packed'),
    schedule: { sigmas, timesteps: a.schedule.timesteps, mu: a.schedule.mu ?? null },
    stepTimesteps: stepTimesteps.length === steps ? stepTimesteps : null,
    runs
  }
}
