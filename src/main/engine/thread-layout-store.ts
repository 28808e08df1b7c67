import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { describeIssues } from '../../shared/validation'
import { writeFileAtomic } from './atomic-write'
import { readRegular, RegularFileRefusal } from './model/safe-read'

/**
 * Measured thread layouts (docs/engine.md, "CFG parallelism"): `studio tune-threads` times the
 * candidate layouts of a model on this machine and stores the fastest here, one small file per
 * model, provider and core count, in the app's user-data folder; the engine reads it when a model
 * loads with the thread count left to it (engine/layout-choice.ts). The file is a hint, never a
 * reason to fail: a missing one is silent, an unreadable, corrupt or foreign one is ignored with
 * one stderr line.
 */

export const THREAD_LAYOUTS_FOLDER = 'thread-layouts'
const FORMAT = 'cache-studio.thread-layout'
/** A record is a few hundred bytes; anything larger is not one of ours. */
const MAX_BYTES = 64 * 1024

export const StoredLayoutSchema = z
  .object({
    intraOpThreads: z.number().int().min(1).max(256),
    cfgLanes: z.union([z.literal(1), z.literal(2)]),
    /** CFG batched into one call; absent in records made before it was measured. */
    cfgBatch: z.boolean().optional()
  })
  .strict()
export type StoredLayout = z.infer<typeof StoredLayoutSchema>

export const LayoutRecordSchema = z
  .object({
    format: z.literal(FORMAT),
    version: z.literal(1),
    model: z.string().min(1),
    provider: z.string().min(1),
    cores: z.number().int().min(1),
    layout: StoredLayoutSchema,
    measured: z.object({
      at: z.string(),
      rounds: z.number().int().min(1),
      steps: z.number().int().min(1),
      /** Every candidate's median ms per step, the figure the choice was made on. */
      figures: z.array(z.object({ layout: StoredLayoutSchema, msPerStep: z.number() }))
    })
  })
  .strict()
export type LayoutRecord = z.infer<typeof LayoutRecordSchema>

export interface LayoutKey {
  model: string
  provider: string
  cores: number
}

export function threadLayoutsDir(userDataDir: string): string {
  return join(userDataDir, THREAD_LAYOUTS_FOLDER)
}

/**
 * The record's file: readable, and unique per key (a model id may hold characters a file name
 * can't, so the readable part is squashed and a hash of the exact key added).
 */
export function layoutPath(dir: string, key: LayoutKey): string {
  const exact = `${key.model}\n${key.provider}\n${key.cores}`
  const hash = createHash('sha256').update(exact).digest('hex').slice(0, 12)
  const readable = key.model.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64)
  return join(dir, `${readable}.${key.provider}.${key.cores}c.${hash}.json`)
}

export async function saveLayoutRecord(dir: string, record: LayoutRecord): Promise<string> {
  const path = layoutPath(dir, record)
  await mkdir(dir, { recursive: true })
  await writeFileAtomic(path, JSON.stringify(LayoutRecordSchema.parse(record), null, 2) + '\n')
  return path
}

/** The stored layout for `key`, or null (none stored, or a file that is not a record of this key). */
export async function readStoredLayout(
  dir: string,
  key: LayoutKey,
  warn: (line: string) => void = (line) => process.stderr.write(line + '\n')
): Promise<StoredLayout | null> {
  const path = layoutPath(dir, key)
  const ignored = (why: string) => {
    warn(`engine: thread layout ${path} ignored: ${why}`)
    return null
  }
  let text: string
  try {
    text = new TextDecoder().decode(await readRegular(path, { maxBytes: MAX_BYTES }))
  } catch (e) {
    if (e instanceof RegularFileRefusal && e.refusal.kind === 'missing') return null
    return ignored(e instanceof RegularFileRefusal ? e.refusal.kind : (e as Error).message)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return ignored(`not JSON (${(e as Error).message})`)
  }
  const parsed = LayoutRecordSchema.safeParse(json)
  if (!parsed.success) return ignored(describeIssues('record', parsed.error))
  const r = parsed.data
  if (r.model !== key.model || r.provider !== key.provider || r.cores !== key.cores)
    return ignored(
      `it is for ${r.model} on ${r.provider} with ${r.cores} cores, not ${key.model} on ${key.provider} with ${key.cores}`
    )
  return r.layout
}
