import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import type { ImportedManifest } from '../../../shared/imported-manifest'
import {
  assertFitsMemory,
  importedMemory,
  type ImportedSize,
  type MemoryPart
} from '../model/memory-estimate'
import { familyCard, type FamilyCard } from './family-card'
import { readImportedManifest } from './imported-manifest-file'

/**
 * An imported package's memory estimate (model/memory-estimate.ts, importedMemory) at the size a
 * request asks: checked when the package is loaded (load-imported.ts) and before each generate
 * (thread/entry.ts), since a loaded model is kept for later requests of other sizes.
 */

export interface RequestedSize {
  width?: number
  height?: number
  frames?: number
}

/**
 * The size a request asks, where the package can make it: a side or frame count it cannot make
 * is the pipeline's to refuse by size (image-size.ts, the Wan shape), not the estimate's, so the
 * package's default stands in for it; a static package's only size wins.
 */
export function estimateSize(m: ImportedManifest, request: RequestedSize = {}): ImportedSize {
  const { multipleOf, max, fixed } = m.sizes
  const side = (v: number | undefined, fallback: number) =>
    v !== undefined && Number.isInteger(v) && v > 0 && v <= max && v % multipleOf === 0 ? v : fallback
  const frames = card(m)?.frames
  const framesOk = (v: number) =>
    frames ? (frames.fixed ?? v) === v && v <= frames.max && (v - 1) % frames.step === 0 : v === 1
  return {
    width: fixed?.width ?? side(request.width, m.defaults.width),
    height: fixed?.height ?? side(request.height, m.defaults.height),
    frames: request.frames !== undefined && framesOk(request.frames) ? request.frames : m.defaults.frames
  }
}

/** CFG's two rows in one transformer call where the family guides so, else one (family-loop.ts). */
export function cfgRows(m: ImportedManifest): 1 | 2 {
  // Configs the family refuses are its pipeline's to name at load; the estimate assumes two rows.
  return (card(m)?.guidance ?? 'cfg') === 'cfg' ? 2 : 1
}

export function importedEstimate(
  m: ImportedManifest,
  packageFileBytes: (file: string) => number,
  request: RequestedSize = {}
): MemoryPart[] {
  return importedMemory(m, packageFileBytes, { size: estimateSize(m, request), rows: cfgRows(m) })
}

/**
 * Refuses a request whose estimate exceeds `memoryBytes` (default: the machine's RAM) with the
 * one-line `resources` error naming the package; reads model.json and the package files' sizes.
 */
export async function assertImportedRequestFits(
  dir: string,
  request: RequestedSize,
  memoryBytes?: number
): Promise<void> {
  await importedRequestCheck(dir, memoryBytes)(request)
}

/**
 * assertImportedRequestFits for a package kept loaded (thread/entry.ts): model.json and the
 * package files' sizes are read on the first check and kept for the later ones.
 */
export function importedRequestCheck(
  dir: string,
  memoryBytes?: number
): (request: RequestedSize) => Promise<void> {
  let footprint: Promise<{ m: ImportedManifest; sizes: Map<string, number> }> | undefined
  return async (request) => {
    const { m, sizes } = await (footprint ??= readFootprint(dir))
    assertFitsMemory(
      m.id,
      importedEstimate(m, (f) => sizes.get(f) ?? 0, request),
      memoryBytes
    )
  }
}

async function readFootprint(dir: string): Promise<{ m: ImportedManifest; sizes: Map<string, number> }> {
  const m = await readImportedManifest(dir)
  const sizes = new Map<string, number>()
  for (const file of Object.keys(m.files)) {
    // A missing package file is the load's to report, in its own words.
    sizes.set(
      file,
      await lstat(join(dir, file)).then(
        (s) => s.size,
        () => 0
      )
    )
  }
  return { m, sizes }
}

function card(m: ImportedManifest): FamilyCard | null {
  try {
    return familyCard(m.family, m.configs)
  } catch {
    return null
  }
}
