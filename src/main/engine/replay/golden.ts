import { basename, join } from 'node:path'
import { z } from 'zod'
import type { CacheConfig } from '../../../shared/cache-config'
import { tensor, type Tensor } from '../tensor'
import {
  goldenComparedRuns,
  goldenEntries,
  parseAbout,
  readGoldenManifest,
  readGoldenNpy,
  type GoldenEntry
} from './golden-files'

/**
 * A golden folder (`manifest.json` + `.npy` tensors, made with diffusers and CacheDiT) read into
 * what a replay needs: the inputs of each run and the reference's results. Goldens differ between
 * families (FLUX saves packed latents and token ids, Wan per-call CFG branches, SD3 a batched CFG
 * prediction): the family is recognised from the manifest's keys, and only what replay can run
 * (FLUX pipelines, with and without CacheDiT) is read; any other golden is refused by name.
 */

export interface ReferenceContext {
  transformer: string
  branch: 'cond' | 'uncond'
  cachedSteps: number[]
  /** step (as a decimal string, 0-based per context) → CacheDiT's residual diff. */
  residualDiffs: Record<string, number>
}

export interface GoldenRun {
  name: string
  /** The engine's form of the CacheDiT config the run used; null = no cache. */
  cache: CacheConfig | null
  finalLatents: Tensor
  /** The decoded image in [0, 1] (diffusers' output_type='pt'), where the golden saved one. */
  image: Tensor | null
  reference: { contexts: ReferenceContext[] }
}

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

type Entries = Record<string, GoldenEntry>

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
  let all: Record<string, unknown>
  try {
    all = (await readGoldenManifest(dir)).all
  } catch {
    return null
  }
  const keys = Object.keys(all).filter((k) => k !== '_about')
  return { family: goldenFamily(keys, (all._about ?? {}) as Record<string, unknown>), keys }
}

export async function readGolden(dir: string): Promise<FluxGolden> {
  const name = basename(dir)
  const m = await readGoldenManifest(dir)
  const { manifestPath, all } = m
  const about = (all._about ?? {}) as Record<string, unknown>
  const keys = Object.keys(all).filter((k) => k !== '_about')
  const family = goldenFamily(keys, about)
  if (family !== 'flux') {
    const what = family === null ? 'a golden of a kind replay does not know' : FAMILY_WORDS[family]
    throw new Error(
      `${manifestPath}: ${what}; replay runs FLUX pipeline goldens (pipeline_4steps, dbcache_10steps) only`
    )
  }
  const entries: Entries = goldenEntries(m)
  const a = parseAbout(m, FluxAboutSchema, about)
  const read = (key: string) => readEntry(dir, entries, key)
  const float = async (key: string) => toTensor(await read(key), `${name}/${key}`)
  const sigmas = a.schedule.scheduler_sigmas ?? a.schedule.sigmas
  if (!sigmas) throw new Error(`${manifestPath}: _about.schedule has no scheduler_sigmas`)

  const tokenIds =
    'tokenizer.input_ids' in entries && 'tokenizer_2.input_ids' in entries
      ? {
          tokenizer: await ids(read, 'tokenizer.input_ids'),
          tokenizer_2: await ids(read, 'tokenizer_2.input_ids')
        }
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

  const runs: GoldenRun[] = []
  const merge = true // CacheDiT's Flux adapter caches both block lists as one (its _about.adapter)
  if ('final_latents_packed' in entries) {
    runs.push({
      name,
      cache: null,
      finalLatents: await float('final_latents_packed'),
      image: 'image_pt' in entries ? await float('image_pt') : null,
      reference: { contexts: [] }
    })
  }
  const compared = goldenComparedRuns(m, entries, a.results, {
    latents: 'final_latents_packed',
    schema: FluxResultSchema,
    lacks: 'cached_steps, residual_diffs and cache_config',
    merge
  })
  for (const run of compared) {
    const r = run.result
    runs.push({
      name: run.name,
      cache: run.cache,
      finalLatents: await float(run.latentKey),
      image: null,
      reference: {
        contexts: r
          ? [
              {
                transformer: 'transformer',
                branch: 'cond',
                cachedSteps: r.cached_steps,
                residualDiffs: r.residual_diffs
              }
            ]
          : []
      }
    })
  }
  if (runs.length === 0) throw new Error(`${manifestPath}: no run with final latents to compare`)

  const initialKey = 'initial_latents_packed'
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
    initialLatents: await float(initialKey),
    schedule: { sigmas, timesteps: a.schedule.timesteps, mu: a.schedule.mu ?? null },
    stepTimesteps: stepTimesteps.length === steps ? stepTimesteps : null,
    runs
  }
}

async function readEntry(dir: string, entries: Entries, key: string) {
  const e = entries[key]
  if (!e) throw new Error(`${join(dir, 'manifest.json')}: no "${key}" entry`)
  return { arr: await readGoldenNpy(dir, key, e), label: join(dir, e.file) }
}

function toTensor(r: Awaited<ReturnType<typeof readEntry>>, label: string): Tensor {
  if (r.arr.kind !== 'float32') throw new Error(`${r.label}: ${label} is int64, expected floats`)
  return tensor(r.arr.data, r.arr.shape)
}

async function ids(read: (k: string) => ReturnType<typeof readEntry>, key: string): Promise<BigInt64Array> {
  const r = await read(key)
  if (r.arr.kind !== 'int64') throw new Error(`${r.label}: token ids are not int64`)
  return r.arr.data
}
