import { basename, join } from 'node:path'
import { z } from 'zod'
import type { CacheConfig } from '../../../shared/cache-config'
import { readRegularFile, readRegularText } from '../model/safe-read'
import { tensor, type Tensor } from '../tensor'
import { parseCacheDitConfig } from './cachedit-config'
import { parseNpy, type NpyArray } from './npy'

/**
 * A golden folder's files, as every family's golden reader reads them: `manifest.json` (a JSON
 * object: `_about` with the run's settings, and one entry per saved tensor naming its .npy file,
 * dtype and shape) and the .npy files it names, inside the folder only, each the shape its entry
 * says.
 */

export const GoldenEntrySchema = z.object({
  file: z.string(),
  dtype: z.string(),
  shape: z.array(z.number().int())
})
export type GoldenEntry = z.infer<typeof GoldenEntrySchema>

/** One CacheDiT cache context's decisions, as a golden saved them. */
export interface ReferenceContext {
  transformer: string
  branch: 'cond' | 'uncond'
  cachedSteps: number[]
  /** step (as a decimal string, 0-based per context) → CacheDiT's residual diff. */
  residualDiffs: Record<string, number>
}

/** One run of a golden (its own, the uncached twin or a CacheDiT one) as a replay compares it. */
export interface GoldenRun {
  name: string
  /** The engine's form of the CacheDiT config the run used; null = no cache. */
  cache: CacheConfig | null
  finalLatents: Tensor
  /** The decoded image (or frames) in [0, 1], where the golden saved it. */
  image: Tensor | null
  reference: { contexts: ReferenceContext[] }
}

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024
const MAX_NPY_BYTES = 512 * 1024 * 1024

export interface GoldenManifest {
  manifestPath: string
  /** The manifest's top-level object. */
  all: Record<string, unknown>
}

/** The folder's manifest.json, a JSON object, or a refusal that says it is not a golden manifest. */
export async function readGoldenManifest(dir: string): Promise<GoldenManifest> {
  const manifestPath = join(dir, 'manifest.json')
  let raw: unknown
  try {
    raw = JSON.parse(await readRegularText(manifestPath, { maxBytes: MAX_MANIFEST_BYTES }))
  } catch (e) {
    throw new Error(`${manifestPath}: not a golden manifest (${(e as Error).message})`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${manifestPath}: not a golden manifest (not a JSON object)`)
  return { manifestPath, all: raw as Record<string, unknown> }
}

/** Every entry but `_about`, each with its file, dtype and shape; the first that lacks them is refused. */
export function goldenEntries(m: GoldenManifest): Record<string, GoldenEntry> {
  const entries: Record<string, GoldenEntry> = {}
  for (const k of Object.keys(m.all)) {
    if (k === '_about') continue
    const e = GoldenEntrySchema.safeParse(m.all[k])
    if (!e.success) throw new Error(`${m.manifestPath}: entry "${k}" has no file, dtype and shape`)
    entries[k] = e.data
  }
  return entries
}

/** One run of a golden beside its own: the uncached twin or a CacheDiT result. */
export interface GoldenComparedRun<R> {
  name: string
  /** The entry of its final latents. */
  latentKey: string
  /** null for the uncached run. */
  cache: CacheConfig | null
  /** The CacheDiT result (its decisions); null for the uncached run. */
  result: R | null
}

/**
 * The runs a golden saved final latents for beside its own: `uncached.<latents>`, then
 * `<run>.<latents>` for each of `_about.results`, its result checked against the family's schema
 * (`lacks`: what a malformed one has not) and its cache_config parsed (`merge`: the family's
 * adapter caches its block lists as one).
 */
export function goldenComparedRuns<R extends { cache_config: string }>(
  m: GoldenManifest,
  entries: Record<string, GoldenEntry>,
  results: Record<string, unknown> | undefined,
  o: { latents: string; schema: z.ZodType<R>; lacks: string; merge: boolean }
): GoldenComparedRun<R>[] {
  const runs: GoldenComparedRun<R>[] = []
  const uncached = `uncached.${o.latents}`
  if (uncached in entries) runs.push({ name: 'uncached', latentKey: uncached, cache: null, result: null })
  for (const [runName, value] of Object.entries(results ?? {})) {
    const latentKey = `${runName}.${o.latents}`
    // The probe run (threshold 1e-6) recorded diffs only; it has no latents to compare.
    if (!(latentKey in entries)) continue
    const r = o.schema.safeParse(value)
    if (!r.success) throw new Error(`${m.manifestPath}: _about.results.${runName} has no ${o.lacks}`)
    let cache: CacheConfig
    try {
      cache = parseCacheDitConfig(r.data.cache_config, o.merge)
    } catch (e) {
      throw new Error(`${m.manifestPath}: _about.results.${runName}: ${(e as Error).message}`)
    }
    runs.push({ name: runName, latentKey, cache, result: r.data })
  }
  return runs
}

/**
 * Every run of a golden a replay compares: its own (`<latents>`, with its decoded `image` where
 * saved, `layout` putting it in the engine's) and goldenComparedRuns' (`contexts`: CacheDiT's
 * decisions of a result, per cache context). A golden with none is refused.
 */
export async function goldenRuns<R extends { cache_config: string }>(
  dir: string,
  m: GoldenManifest,
  results: Record<string, unknown> | undefined,
  o: {
    latents: string
    image: { key: string; layout?: (t: Tensor) => Tensor }
    schema: z.ZodType<R>
    lacks: string
    merge: boolean
    contexts: (result: R) => ReferenceContext[]
  }
): Promise<GoldenRun[]> {
  const entries = goldenEntries(m)
  const { float } = goldenReader(dir, m)
  const runs: GoldenRun[] = []
  if (o.latents in entries) {
    const layout = o.image.layout ?? ((t: Tensor) => t)
    runs.push({
      name: basename(dir),
      cache: null,
      finalLatents: await float(o.latents),
      image: o.image.key in entries ? layout(await float(o.image.key)) : null,
      reference: { contexts: [] }
    })
  }
  for (const run of goldenComparedRuns(m, entries, results, o))
    runs.push({
      name: run.name,
      cache: run.cache,
      finalLatents: await float(run.latentKey),
      image: null,
      reference: { contexts: run.result ? o.contexts(run.result) : [] }
    })
  if (runs.length === 0) throw new Error(`${m.manifestPath}: no run with final latents to compare`)
  return runs
}

/** The manifest's `_about` against the family's schema; the first issue names its field. */
export function parseAbout<T>(m: GoldenManifest, schema: z.ZodType<T>, about: unknown): T {
  const parsed = schema.safeParse(about)
  if (!parsed.success) {
    const i = parsed.error.issues[0]
    throw new Error(`${m.manifestPath}: _about ${i.path.join('.')}: ${i.message}`)
  }
  return parsed.data
}

/** The .npy file an entry names: inside the folder, parsed, the shape the entry says. */
export async function readGoldenNpy(dir: string, key: string, e: GoldenEntry): Promise<NpyArray> {
  const manifestPath = join(dir, 'manifest.json')
  if (e.file.includes('/') || e.file.includes('\\') || e.file.startsWith('.'))
    throw new Error(`${manifestPath}: "${key}" names a file outside the folder`)
  const label = join(dir, e.file)
  const arr = parseNpy(await readRegularFile(label, { maxBytes: MAX_NPY_BYTES, root: dir }), label)
  if (arr.shape.join() !== e.shape.join())
    throw new Error(`${label}: shape [${arr.shape.join(', ')}], the manifest says [${e.shape.join(', ')}]`)
  return arr
}

/** A manifest's tensors, read by key as they are asked for: a missing or malformed entry is refused then. */
export interface GoldenTensors {
  read(key: string): Promise<NpyArray>
  /** A float32 entry as a tensor. */
  float(key: string): Promise<Tensor>
  /** An int64 entry (token ids, masks). */
  int(key: string): Promise<BigInt64Array>
}

export function goldenReader(dir: string, m: GoldenManifest): GoldenTensors {
  const entry = (key: string): GoldenEntry => {
    if (key === '_about' || !(key in m.all)) throw new Error(`${m.manifestPath}: no "${key}" entry`)
    const e = GoldenEntrySchema.safeParse(m.all[key])
    if (!e.success) throw new Error(`${m.manifestPath}: entry "${key}" has no file, dtype and shape`)
    return e.data
  }
  const read = async (key: string): Promise<NpyArray> => readGoldenNpy(dir, key, entry(key))
  const float = async (key: string): Promise<Tensor> => {
    const arr = await read(key)
    if (arr.kind !== 'float32') throw new Error(`${join(dir, entry(key).file)}: int64, expected floats`)
    return tensor(arr.data, arr.shape)
  }
  const int = async (key: string): Promise<BigInt64Array> => {
    const arr = await read(key)
    if (arr.kind !== 'int64') throw new Error(`${join(dir, entry(key).file)}: expected int64`)
    return arr.data
  }
  return { read, float, int }
}

/** Rows [negative, prompt] of an int64 [2, L] entry (token ids, attention masks). */
export async function goldenRows(
  dir: string,
  read: (key: string) => Promise<NpyArray>,
  key: string
): Promise<{ uncond: BigInt64Array; cond: BigInt64Array }> {
  const arr = await read(key)
  if (arr.kind !== 'int64' || arr.shape.length !== 2 || arr.shape[0] !== 2)
    throw new Error(`${join(dir, key)}: expected int64 [2, L] rows [negative, prompt]`)
  const L = arr.shape[1]
  return { uncond: arr.data.slice(0, L), cond: arr.data.slice(L) }
}

/** Each step's transformer timestep (`step{i}.timestep`, its first batch row). */
export async function goldenStepTimesteps(
  read: (key: string) => Promise<NpyArray>,
  steps: number
): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < steps; i++) {
    const arr = await read(`step${i}.timestep`)
    out.push(Number(arr.data[0]))
  }
  return out
}

/** What every pipeline golden (pipeline_4steps: SD3, PixArt-Σ) holds beside its family's own. */
export interface PipelineGolden {
  dir: string
  name: string
  prompt: string
  negativePrompt: string
  width: number
  height: number
  steps: number
  guidanceScale: number
  maxSequenceLength: number
  initialLatents: Tensor
  schedule: { timesteps: number[]; sigmas: number[] }
  /** The transformer's timestep of each step (its first batch row). */
  stepTimesteps: number[]
  finalLatents: Tensor
  /** The decoded image in [0, 1] (output_type='pt'). */
  image: Tensor
}

/** A pipeline golden's `_about`: the call's settings. */
const PipelineAboutSchema = z.object({
  prompt: z.string(),
  negative_prompt: z.string(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  num_inference_steps: z.number().int().positive().max(1000),
  guidance_scale: z.number(),
  max_sequence_length: z.number().int().positive(),
  schedule: z.object({ timesteps: z.array(z.number()), sigmas: z.array(z.number()) })
})

/**
 * A pipeline golden's common part, with its reader for the family's own entries (token ids,
 * masks, prompt embeddings). `extraAbout`: the family's own `_about` fields, checked too.
 */
export async function readPipelineGolden(
  dir: string,
  extraAbout: z.ZodRawShape
): Promise<{ golden: PipelineGolden } & GoldenTensors> {
  const m = await readGoldenManifest(dir)
  const a = parseAbout(m, PipelineAboutSchema, m.all._about)
  parseAbout(m, z.object(extraAbout), m.all._about)
  const tensors = goldenReader(dir, m)
  const { read, float } = tensors
  const golden: PipelineGolden = {
    dir,
    name: basename(dir),
    prompt: a.prompt,
    negativePrompt: a.negative_prompt,
    width: a.width,
    height: a.height,
    steps: a.num_inference_steps,
    guidanceScale: a.guidance_scale,
    maxSequenceLength: a.max_sequence_length,
    initialLatents: await float('initial_latents'),
    schedule: a.schedule,
    stepTimesteps: await goldenStepTimesteps(read, a.num_inference_steps),
    finalLatents: await float('final_latents'),
    image: await float('image_pt')
  }
  return { golden, ...tensors }
}
