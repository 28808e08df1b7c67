import { z } from 'zod'
import { EngineErrorSchema } from '../shared/engine-protocol'
import {
  ProgressEventSchema,
  RecipeSchema,
  TimingsSchema,
  type GenerationResult,
  type ProgressEvent
} from '../shared/generation'
import { CacheSummarySchema, StepTraceSchema } from '../shared/trace'

/**
 * What leaves the engine for the network, over HTTP (the job event stream, the images response)
 * and over the farm's queue (progress and results in Redis): the shared ProgressEvent and
 * GenerationResult with their byte arrays as base64 (JSON has no bytes), and nothing the client
 * does not use (the raw RGBA pixels are the PNG's content). Both ends parse with these schemas.
 */

export const WireProgressSchema = ProgressEventSchema.extend({
  preview: z.object({ width: z.number().int(), height: z.number().int(), pixels_b64: z.string() }).optional()
})
export type WireProgress = z.infer<typeof WireProgressSchema>

export function toWireProgress(event: ProgressEvent): WireProgress {
  const { preview, ...rest } = event
  if (!preview) return rest
  const { width, height, pixels } = preview
  return { ...rest, preview: { width, height, pixels_b64: base64(pixels) } }
}

export function fromWireProgress(event: WireProgress): ProgressEvent {
  const { preview, ...rest } = event
  if (!preview) return rest
  const { width, height, pixels_b64 } = preview
  return { ...rest, preview: { width, height, pixels: fromBase64(pixels_b64) } }
}

/** One finished image: its PNG (with the recipe in its metadata) and what the app charts. */
export const WireImageSchema = z.object({
  /** Position in the request's batch (0-based): outputs are returned in this order. */
  index: z.number().int().min(0),
  png_b64: z.string(),
  recipe: RecipeSchema,
  width: z.number().int(),
  height: z.number().int(),
  trace: z.array(StepTraceSchema),
  summary: CacheSummarySchema,
  timings: TimingsSchema
})
export type WireImage = z.infer<typeof WireImageSchema>

export function toWireImage(result: GenerationResult, index: number): WireImage {
  const png = result.files.find((f) => f.name === 'image.png')
  if (!png) throw new Error(`${result.recipe.model} made no image.png (a ${result.kind} model)`)
  return {
    index,
    png_b64: base64(png.bytes),
    recipe: result.recipe,
    width: result.width,
    height: result.height,
    trace: result.trace,
    summary: result.summary,
    timings: result.timings
  }
}

/** The events of one job's stream (`GET /v1/jobs/:id/events`), in the order they happened. */
export const JobEventSchema = z.discriminatedUnion('type', [
  /** Accepted; `position` jobs are ahead of it. */
  z.object({ type: z.literal('queued'), job: z.string(), position: z.number().int().min(0) }),
  z.object({ type: z.literal('started'), job: z.string() }),
  /** One denoising step of image `index`, with its cache decisions (the app's live chart). */
  z.object({
    type: z.literal('progress'),
    job: z.string(),
    index: z.number().int(),
    event: WireProgressSchema
  }),
  /** A farm worker stopped answering while it ran image `index`; another worker runs it again. */
  z.object({ type: z.literal('retrying'), job: z.string(), index: z.number().int(), reason: z.string() }),
  /** Image `index` is finished (the PNG itself is in the job's result). */
  z.object({
    type: z.literal('image'),
    job: z.string(),
    index: z.number().int(),
    recipe: RecipeSchema,
    summary: CacheSummarySchema,
    timings: TimingsSchema
  }),
  z.object({ type: z.literal('succeeded'), job: z.string() }),
  z.object({ type: z.literal('failed'), job: z.string(), error: EngineErrorSchema }),
  z.object({ type: z.literal('cancelled'), job: z.string() })
])
export type JobEvent = z.infer<typeof JobEventSchema>

export const TERMINAL_EVENTS: ReadonlySet<JobEvent['type']> = new Set(['succeeded', 'failed', 'cancelled'])

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const bytes = Buffer.from(text, 'base64')
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  return copy
}
