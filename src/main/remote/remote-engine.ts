import { randomUUID } from 'node:crypto'
import { decode } from 'fast-png'
import { z } from 'zod'
import {
  fromBase64,
  fromWireProgress,
  JobEventSchema,
  WireImageSchema,
  type WireImage
} from '../../serve/wire'
import { EngineErrorCodeSchema } from '../../shared/engine-protocol'
import {
  GenerateRequestSchema,
  type GenerateRequestInput,
  type GenerationOutput,
  type GenerateRequest,
  type ProgressEvent,
  PromptTokensSchema,
  type PromptTokens
} from '../../shared/generation'
import type { EngineProbe } from '../../shared/engine-endpoint'
import type { CalibratedPreset } from '../../shared/calibrated-presets'
import { ModelInfoSchema, type ModelInfo } from '../../shared/manifest'
import { ServeCalibratedResponseSchema, TOKENS_UNAVAILABLE } from '../../shared/remote-engine'
import { describeIssues } from '../../shared/validation'
import { cancelled, EngineFailure } from '../engine/errors'
import { readEventStream } from './event-stream'
import { plainModels, plainRequestBody, plainResult } from './openai-images'

/**
 * The engine on another machine, behind `studio serve` (docs/serving.md): the same generate,
 * progress, cancel and model list as the local engine, over HTTP. Everything the server sends is
 * parsed with the schemas it was written with (src/serve/wire.ts). A server without studio serve's
 * /health is taken for a plain OpenAI-Images-compatible one (openai-images.ts): generate falls
 * back to its blocking endpoint and the image comes without progress or trace. A server that cannot be
 * reached, or that goes away mid-job, is an `engine_crashed` failure naming the URL. The prompt's
 * token count and the calibrated presets come from the server's /v1/cache-studio/ routes; a
 * server without them (a plain one, an older studio serve) has no count and no presets, never the
 * local engine's. Nothing is written here: the caller saves outputs locally, as with the local
 * engine.
 */

export interface RemoteEngineOptions {
  /** e.g. http://gpu-box:8420 (no trailing /v1). */
  url: string
  token: string
}

const HealthSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
  mode: z.enum(['local', 'farm']),
  jobs: z.object({ running: z.number(), queued: z.number(), capacity: z.number(), maxQueued: z.number() })
})
export type RemoteHealth = z.infer<typeof HealthSchema>

const ModelListSchema = z.object({
  data: z.array(
    z.object({ id: z.string(), cache_studio: ModelInfoSchema.omit({ path: true }).passthrough() })
  )
})
const JobAcceptedSchema = z.object({ id: z.string() })
const JobResultSchema = z.object({
  status: z.string(),
  result: z
    .object({
      cache_studio: z.object({ images: z.array(WireImageSchema.omit({ png_b64: true })) }),
      data: z.array(z.object({ b64_json: z.string() }))
    })
    .nullable()
})
const ErrorBodySchema = z.object({
  error: z.object({ message: z.string(), code: z.string().nullable().optional() })
})

export class RemoteEngine {
  readonly url: string
  readonly token: string
  #server: Promise<EngineProbe['server']> | undefined

  constructor(options: RemoteEngineOptions) {
    this.url = options.url.replace(/\/+$/, '')
    this.token = options.token
  }

  async health(signal?: AbortSignal): Promise<RemoteHealth> {
    return parse('health', HealthSchema, await this.#json('GET', '/health', undefined, signal))
  }

  /**
   * Which kind of server this is, asked once: `studio` when /health answers as studio serve's
   * does, else `openai`. A server that cannot be reached is a lost connection, not a kind.
   * `signal` bounds the asking (the status check's timeout).
   */
  server(signal?: AbortSignal): Promise<EngineProbe['server']> {
    const asked = (this.#server ??= this.#askServer(signal))
    // Unreachable now: ask again next time.
    asked.catch(() => {
      if (this.#server === asked) this.#server = undefined
    })
    return asked
  }

  async #askServer(signal?: AbortSignal): Promise<EngineProbe['server']> {
    let res: Response
    try {
      res = await fetch(`${this.url}/health`, { signal })
    } catch (e) {
      throw lost(this.url, causeOf(e))
    }
    const body: unknown = res.ok ? await res.json().catch(() => null) : null
    return HealthSchema.safeParse(body).success ? 'studio' : 'openai'
  }

  /** "Test connection": the server's kind, version and models, with the token checked. */
  async probe(): Promise<EngineProbe> {
    const server = await this.server()
    const version = server === 'studio' ? (await this.health()).version : null
    const models = (await this.listModels()).map(({ id, name, kind }) => ({ id, name, kind }))
    return { server, version, models }
  }

  /** The server's models; `path` is the server's URL and id (a remote model has no local folder). */
  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    if ((await this.server(signal)) === 'openai')
      return plainModels(await this.#json('GET', '/v1/models', undefined, signal), this.url)
    const list = parse('models', ModelListSchema, await this.#json('GET', '/v1/models', undefined, signal))
    return list.data.map((m) => ({ ...m.cache_studio, path: `${this.url}#${m.id}` }))
  }

  /**
   * The prompt through the served model's tokenizer (the local engine's countTokens, there). A
   * server without the route cannot say how it tokenizes: the count is unavailable, and says so.
   */
  async countTokens(model: string, text: string): Promise<PromptTokens> {
    const unavailable = (why: string) =>
      new EngineFailure('bad_request', `${TOKENS_UNAVAILABLE}${this.url} ${why}`)
    if ((await this.server()) === 'openai')
      throw unavailable("is a plain OpenAI Images API server: it does not count a prompt's tokens")
    try {
      const body = await this.#json('POST', '/v1/cache-studio/tokens', { model, prompt: text })
      return parse('token count', PromptTokensSchema, body)
    } catch (e) {
      if (e instanceof NoRoute) throw unavailable('has no token count (a studio serve older than this app)')
      throw e
    }
  }

  /** What `studio calibrate` saved for the model on the server; none where the server keeps none. */
  async calibratedPresets(model: string): Promise<CalibratedPreset[]> {
    if ((await this.server()) === 'openai') return []
    try {
      const body = await this.#json('POST', '/v1/cache-studio/calibrated-presets', { model })
      return parse('calibrated presets', ServeCalibratedResponseSchema, body).data
    } catch (e) {
      if (e instanceof NoRoute) return []
      throw e
    }
  }

  /** One image on the server: progress as it runs, aborting `signal` cancels it there. */
  async generate(
    input: GenerateRequestInput,
    options: { onProgress?: (event: ProgressEvent) => void; signal?: AbortSignal } = {}
  ): Promise<GenerationOutput> {
    const checked = GenerateRequestSchema.safeParse(input)
    if (!checked.success) throw new EngineFailure('bad_request', describeIssues('generate', checked.error))
    const r = checked.data
    if (options.signal?.aborted) throw cancelled()
    if ((await this.server()) === 'openai') return this.#plainGenerate(r, options.signal)
    const jobId = `app_${randomUUID().replace(/-/g, '')}`
    const body = {
      model: r.model,
      prompt: r.prompt,
      n: 1,
      ...(r.width !== undefined && r.height !== undefined ? { size: `${r.width}x${r.height}` } : {}),
      response_format: 'b64_json',
      cache_studio: {
        seed: r.seed,
        steps: r.steps,
        guidance: r.guidanceScale,
        negative_prompt: r.negativePrompt,
        separate_cfg: r.separateCfg,
        cache: r.cache,
        preview_every: r.previewEvery,
        job_id: jobId
      }
    }
    parse('job', JobAcceptedSchema, await this.#json('POST', '/v1/jobs', body))
    const cancel = () => void this.#json('DELETE', `/v1/jobs/${jobId}`).catch(() => undefined)
    options.signal?.addEventListener('abort', cancel, { once: true })
    try {
      const end = await this.#follow(jobId, options.onProgress)
      if (end.type === 'cancelled') throw cancelled()
      if (end.type === 'failed')
        throw new EngineFailure(end.error.code, `remote engine: ${end.error.message}`)
      const job = parse('job result', JobResultSchema, await this.#json('GET', `/v1/jobs/${jobId}`))
      if (!job.result || job.result.data.length !== 1) {
        throw new EngineFailure('internal', `remote engine: job ${jobId} ${job.status} without its image`)
      }
      return resultOf({ ...job.result.cache_studio.images[0], png_b64: job.result.data[0].b64_json })
    } finally {
      options.signal?.removeEventListener('abort', cancel)
    }
  }

  /** A plain server's one blocking request; aborting `signal` hangs up, which is all its API offers. */
  async #plainGenerate(r: GenerateRequest, signal?: AbortSignal): Promise<GenerationOutput> {
    const started = performance.now()
    let body: unknown
    try {
      const res = await this.#fetch('POST', '/v1/images/generations', plainRequestBody(r), signal)
      body = await res.json()
    } catch (e) {
      if (signal?.aborted) throw cancelled()
      if (e instanceof EngineFailure) throw e
      throw lost(this.url, `unreadable answer to POST /v1/images/generations (${(e as Error).message})`)
    }
    return plainResult(body, r, this.url, performance.now() - started)
  }

  /** Reads the job's events until its end; the end event. */
  async #follow(jobId: string, onProgress?: (event: ProgressEvent) => void) {
    const res = await this.#fetch('GET', `/v1/jobs/${jobId}/events`)
    for await (const data of readEventStream(res, this.url)) {
      const event = JobEventSchema.safeParse(data)
      if (!event.success)
        throw new EngineFailure('internal', describeIssues('remote engine event', event.error))
      const e = event.data
      if (e.type === 'progress') onProgress?.(fromWireProgress(e.event))
      if (e.type === 'succeeded' || e.type === 'failed' || e.type === 'cancelled') return e
    }
    throw lost(this.url, 'the event stream ended before the job did')
  }

  async #json(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const res = await this.#fetch(method, path, body, signal)
    try {
      return await res.json()
    } catch (e) {
      throw lost(this.url, `unreadable answer to ${method} ${path} (${(e as Error).message})`)
    }
  }

  async #fetch(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    let res: Response
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal
      })
    } catch (e) {
      if (signal?.aborted) throw cancelled()
      throw lost(this.url, causeOf(e))
    }
    if (res.ok) return res
    const error = ErrorBodySchema.safeParse(await res.json().catch(() => null))
    const message = error.success ? error.data.error.message : `HTTP ${res.status}`
    if (res.status === 401) throw new TokenRefused(`remote engine at ${this.url} refused the token`)
    const code = EngineErrorCodeSchema.safeParse(error.success ? error.data.error.code : null)
    if (res.status === 404 && !code.success) throw new NoRoute(`remote engine (HTTP 404): ${message}`)
    throw new EngineFailure(
      code.success ? code.data : res.status < 500 ? 'bad_request' : 'internal',
      `remote engine (HTTP ${res.status}): ${message}`
    )
  }
}

/** A 401: the server is there, and refuses the token it was sent. */
export class TokenRefused extends EngineFailure {
  constructor(message: string) {
    super('bad_request', message)
  }
}

/**
 * A 404 that names no engine failure (not `model_not_found`): the server has no such route or
 * job. Callers of the studio's own routes read it as "this server does not have them".
 */
class NoRoute extends EngineFailure {
  constructor(message: string) {
    super('bad_request', message)
  }
}

function causeOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (e as Error).message
}

export function lost(url: string, why: string): EngineFailure {
  return new EngineFailure('engine_crashed', `remote engine at ${url}: connection lost (${why})`)
}

function parse<T>(what: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value)
  if (!parsed.success)
    throw new EngineFailure('internal', describeIssues(`remote engine ${what}`, parsed.error))
  return parsed.data
}

/**
 * The served engine's answer shape (GenerationOutput), from the served image. Its PNG is decoded
 * once to check that it is the RGBA8 image of the size the server says: the gallery keeps it as is.
 */
function resultOf(image: WireImage): GenerationOutput {
  const bytes = fromBase64(image.png_b64)
  const png = decode(bytes)
  if (png.channels !== 4 || png.depth !== 8 || png.width !== image.width || png.height !== image.height)
    throw new EngineFailure(
      'internal',
      `remote engine: not the ${image.width}×${image.height} RGBA8 PNG it says`
    )
  return {
    recipe: image.recipe,
    kind: 'image',
    width: image.width,
    height: image.height,
    frames: 1,
    files: [{ name: 'image.png', mime: 'image/png', bytes }],
    trace: image.trace,
    summary: image.summary,
    timings: image.timings
  }
}
