import { decode } from 'fast-png'
import { z } from 'zod'
import type { GenerateRequest, GenerationOutput } from '../../shared/generation'
import type { ModelInfo } from '../../shared/manifest'
import { resolveCacheConfig } from '../../shared/presets'
import { EngineFailure } from '../engine/errors'

/**
 * A plain OpenAI-Images-compatible server (SGLang, vLLM-Omni, a hosted API): it has
 * `POST /v1/images/generations` and `GET /v1/models`, and no job events. So a generate is one
 * blocking request with the API's own fields (model, prompt, n, size, response_format); the
 * server picks the steps, seed and sampler and sends no progress or cache trace. The saved recipe
 * says exactly that: what was asked (model, prompt, size) and which server answered, with steps
 * and seed 0 and no cache, since the app cannot know them (docs/serving.md).
 */

/** OpenAI's default image size, shown for a server's model until an image comes back. */
const API_DEFAULT_SIZE = 1024

const PlainModelListSchema = z.object({ data: z.array(z.object({ id: z.string().min(1) }).passthrough()) })
const PlainImagesSchema = z.object({
  data: z.array(z.object({ b64_json: z.string().min(1) }).passthrough()).min(1)
})

export function plainModels(body: unknown, url: string): ModelInfo[] {
  const list = PlainModelListSchema.safeParse(body)
  if (!list.success)
    throw new EngineFailure('internal', `remote engine at ${url}: /v1/models is not a model list`)
  return list.data.data.map((m) => ({
    id: m.id,
    name: m.id,
    kind: 'image',
    description: `${m.id} on ${url} (OpenAI Images API: no live progress or cache trace)`,
    path: `${url}#${m.id}`,
    embedded: false,
    output: { width: API_DEFAULT_SIZE, height: API_DEFAULT_SIZE, frames: 1 },
    transformers: [],
    // The form's starting values; the API has no field for them, so they are not sent.
    defaults: { steps: 1, guidanceScale: 0, separateCfg: false, negativePrompt: '' },
    examples: [],
    sizeBytes: 0
  }))
}

/** The body of the blocking request: only fields every OpenAI-compatible server knows. */
export function plainRequestBody(r: GenerateRequest): Record<string, unknown> {
  return {
    model: r.model,
    prompt: r.prompt,
    n: 1,
    ...(r.width !== undefined && r.height !== undefined ? { size: `${r.width}x${r.height}` } : {}),
    response_format: 'b64_json'
  }
}

/** The local engine's result shape from the server's one image: no trace, the recipe of what was asked. */
export function plainResult(
  body: unknown,
  r: GenerateRequest,
  url: string,
  totalMs: number
): GenerationOutput {
  const images = PlainImagesSchema.safeParse(body)
  if (!images.success)
    throw new EngineFailure('internal', `remote engine at ${url}: the answer holds no b64_json image`)
  const bytes = Uint8Array.from(Buffer.from(images.data.data[0].b64_json, 'base64'))
  let png
  try {
    png = decode(bytes)
  } catch (e) {
    throw new EngineFailure(
      'internal',
      `remote engine at ${url}: the image is not a PNG (${(e as Error).message})`
    )
  }
  if (png.depth !== 8 || png.channels < 1 || png.channels > 4)
    throw new EngineFailure('internal', `remote engine at ${url}: not an 8-bit PNG`)
  return {
    recipe: {
      model: r.model,
      modelName: r.model,
      prompt: r.prompt,
      negativePrompt: '',
      seed: 0,
      steps: 0,
      guidanceScale: 0,
      separateCfg: false,
      preset: 'none',
      cache: resolveCacheConfig('none'),
      provider: 'remote',
      engineVersion: `openai-images ${url}`,
      width: png.width,
      height: png.height
    },
    kind: 'image',
    width: png.width,
    height: png.height,
    frames: 1,
    files: [{ name: 'image.png', mime: 'image/png', bytes }],
    trace: [],
    summary: { contexts: [], blocksRun: 0, blocksTotal: 0, theoreticalBlockSpeedup: 1 },
    timings: { totalMs, encodeMs: 0, denoiseMs: 0, decodeMs: 0, perStepMs: [] }
  }
}
