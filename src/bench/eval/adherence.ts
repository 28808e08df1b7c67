import type {
  AdherenceAttribute,
  AdherenceAttributes,
  AdherenceBatchSummary,
  AdherenceDetected,
  AdherenceScore
} from '../../shared/adherence'
import { parseCaption, type Caption } from '../../shared/prompt-grammar'
import { EngineFailure } from '../../main/engine/errors'
import { readFrame, type FrameReading } from './frame'
import { motionDirection } from './motion'

/**
 * Prompt adherence for our caption grammar, in the spirit of GenEval: read the attributes the
 * caption names (background, shape colour, shape, position or motion) off the pixels with fixed
 * rules, score each 0 or 1, and average. Deterministic and model-free, so bench numbers can be
 * rerun by anyone. Captions outside the grammar get a null score, not an error.
 */

export interface PixelMeta {
  width: number
  height: number
  frames: number
}

export interface AdherenceItem {
  /** RGBA8, frame-major (GenerationResult.pixels). */
  pixels: Uint8Array
  meta: PixelMeta
  caption: string | Caption
}

/** The most frequent value over frames, null included (ties: the first to reach the top count). */
function mode<T>(values: readonly T[]): T {
  const counts = new Map<T, number>()
  let best = values[0]
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1
    counts.set(v, n)
    if (n > (counts.get(best) ?? 0)) best = v
  }
  return best
}

function frameSize(meta: PixelMeta): number {
  return meta.width * meta.height * 4
}

export function scoreAdherence(
  pixels: Uint8Array,
  meta: PixelMeta,
  caption: string | Caption
): AdherenceScore | null {
  const c = typeof caption === 'string' ? parseCaption(caption) : caption
  if (!c) return null
  const { width, height, frames } = meta
  if (!(width > 0 && height > 0 && frames > 0) || pixels.length !== frameSize(meta) * frames) {
    throw new EngineFailure(
      'bad_request',
      `adherence: ${pixels.length} bytes of pixels for ${width}×${height}×${frames} RGBA (expected ${frameSize(meta) * frames})`
    )
  }
  const readings: FrameReading[] = []
  for (let f = 0; f < frames; f++) {
    const frame = pixels.subarray(f * frameSize(meta), (f + 1) * frameSize(meta))
    readings.push(readFrame(frame, width, height, c.color))
  }
  // Attributes are what most frames show: a shape found in a frame or two of a clip is not shown.
  const first = readings.find((r) => r.features) ?? readings[0]
  const detected: AdherenceDetected = {
    background: mode(readings.map((r) => r.background)),
    color: mode(readings.map((r) => r.color)),
    shape: mode(readings.map((r) => r.shape)),
    center: first.center,
    area: first.area,
    features: first.features
  }
  const attributes: AdherenceAttributes = {
    background: detected.background === c.background ? 1 : 0,
    color: detected.color === c.color ? 1 : 0,
    shape: detected.shape === c.shape ? 1 : 0
  }
  if (c.kind === 'image') {
    detected.position = mode(readings.map((r) => r.position))
    attributes.position = detected.position === c.position ? 1 : 0
  } else {
    detected.track = readings.map((r) => r.centroid)
    detected.motion = motionDirection(detected.track)
    attributes.motion = detected.motion === c.direction ? 1 : 0
  }
  const scores = Object.values(attributes) as number[]
  return { caption: c, overall: scores.reduce((s, v) => s + v, 0) / scores.length, attributes, detected }
}

/** Scores each item; accuracy per attribute and the mean overall over in-grammar captions. */
export function scoreBatch(items: readonly AdherenceItem[]): AdherenceBatchSummary {
  const results = items.map((it) => scoreAdherence(it.pixels, it.meta, it.caption))
  const scored = results.filter((r): r is AdherenceScore => r !== null)
  const hits: Partial<Record<AdherenceAttribute, number>> = {}
  const seen: Partial<Record<AdherenceAttribute, number>> = {}
  for (const r of scored) {
    for (const [k, v] of Object.entries(r.attributes) as [AdherenceAttribute, 0 | 1][]) {
      hits[k] = (hits[k] ?? 0) + v
      seen[k] = (seen[k] ?? 0) + 1
    }
  }
  const accuracy: Partial<Record<AdherenceAttribute, number>> = {}
  for (const k of Object.keys(seen) as AdherenceAttribute[]) accuracy[k] = (hits[k] ?? 0) / (seen[k] ?? 1)
  return {
    count: items.length,
    scored: scored.length,
    overall: scored.length ? scored.reduce((s, r) => s + r.overall, 0) / scored.length : null,
    accuracy,
    results
  }
}
