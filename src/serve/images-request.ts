import { z } from 'zod'
import {
  CacheChoiceSchema,
  GenerateRequestSchema,
  MAX_SEED,
  PromptTextSchema,
  type GenerateRequest,
  type GenerateRequestInput
} from '../shared/generation'
import type { ModelInfo } from '../shared/manifest'
import { PRESET_IDS } from '../shared/presets'
import type { Provider } from '../shared/providers'
import { ApiError, invalidBody } from './api-error'

/**
 * The body of `POST /v1/images/generations`: OpenAI's fields, and the studio's own under one
 * namespaced field, `cache_studio`, which other servers ignore and other clients never send.
 * Field by field in docs/serving.md.
 */

/** The most images one request may ask for (OpenAI's own bound for `n`). */
export const MAX_IMAGES = 10

export const JobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only, 1 to 64 of them')

export const CacheStudioFieldsSchema = z
  .object({
    seed: z.number().int().min(0).max(MAX_SEED).optional(),
    steps: z.number().int().min(1).max(1000).optional(),
    guidance: z.number().min(0).max(50).optional(),
    negative_prompt: PromptTextSchema.optional(),
    separate_cfg: z.boolean().optional(),
    /** A preset id, or `{ preset, overrides }` (the custom config: CacheConfig's fields). */
    cache: z.union([z.enum(PRESET_IDS), CacheChoiceSchema]).optional(),
    /** Stream a decoded preview every N steps in the job's events (0 = none). */
    preview_every: z.number().int().min(0).max(1000).optional(),
    /** Chosen by the client, so it can follow (`/v1/jobs/:id/events`) or cancel a blocking request. */
    job_id: JobIdSchema.optional()
  })
  .strict()

export const ImagesRequestSchema = z
  .object({
    model: z.string().min(1).max(256).optional(),
    prompt: PromptTextSchema,
    n: z.number().int().min(1).max(MAX_IMAGES).default(1),
    size: z
      .string()
      .regex(/^(auto|\d{1,5}x\d{1,5})$/, 'expected "WIDTHxHEIGHT" (e.g. "32x32") or "auto"')
      .optional(),
    response_format: z
      .string()
      .refine((f) => f === 'b64_json', 'only "b64_json" is served: this server keeps no image URLs')
      .default('b64_json'),
    output_format: z
      .string()
      .refine((f) => f === 'png', 'only "png" is made (the recipe rides in its metadata)')
      .optional(),
    /** OpenAI's end-user id: accepted and not used. */
    user: z.string().max(256).optional(),
    cache_studio: CacheStudioFieldsSchema.optional()
  })
  .strict()
export type ImagesRequest = z.infer<typeof ImagesRequestSchema>

export function parseImagesRequest(body: unknown): ImagesRequest {
  const parsed = ImagesRequestSchema.safeParse(body ?? {})
  if (!parsed.success) throw invalidBody('images.generate', parsed.error)
  return parsed.data
}

/**
 * One GenerateRequest per image: image i gets seed + i (so a batch reproduces image by image), on
 * `provider`. `model` is the listed model the body named; a size it cannot make is refused here,
 * with the sizes it makes, instead of being ignored.
 */
export function generateRequests(
  body: ImagesRequest,
  model: ModelInfo,
  provider: Provider,
  seed: number
): GenerateRequest[] {
  const ext = body.cache_studio ?? {}
  const size = imageSize(body.size, model)
  const cache = typeof ext.cache === 'string' ? { preset: ext.cache, overrides: {} } : ext.cache
  return Array.from({ length: body.n }, (_, i) => {
    const input: GenerateRequestInput = {
      model: model.id,
      prompt: body.prompt,
      negativePrompt: ext.negative_prompt,
      seed: (seed + i) % (MAX_SEED + 1),
      steps: ext.steps,
      guidanceScale: ext.guidance,
      separateCfg: ext.separate_cfg,
      cache,
      provider,
      previewEvery: ext.preview_every ?? 0,
      ...size
    }
    const parsed = GenerateRequestSchema.safeParse(input)
    // The fields above were checked one by one; what is left is a combination the engine refuses.
    if (!parsed.success) throw invalidBody('images.generate', parsed.error)
    return parsed.data
  })
}

function imageSize(size: string | undefined, model: ModelInfo): { width?: number; height?: number } {
  if (size === undefined || size === 'auto') return {}
  const [width, height] = size.split('x').map(Number)
  const { width: w, height: h } = model.output
  if (model.sizes) {
    const { multipleOf, max } = model.sizes
    const fits = (v: number) => v >= multipleOf && v <= max && v % multipleOf === 0
    if (!fits(width) || !fits(height)) {
      throw new ApiError(
        400,
        `size: ${model.id} makes widths and heights that are multiples of ${multipleOf} up to ${max}, not ${size}`,
        'size',
        'invalid_value'
      )
    }
    return { width, height }
  }
  if (width !== w || height !== h) {
    throw new ApiError(
      400,
      `size: ${model.id} makes ${w}x${h} images only, not ${size}`,
      'size',
      'invalid_value'
    )
  }
  return {}
}
