import { randomInt } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { MAX_SEED } from '../shared/generation'
import { ApiError, fromEngineError } from './api-error'
import type { ServerOptions } from './server-options'
import { streamJobEvents } from './events'
import { generateRequests, JobIdSchema, parseImagesRequest } from './images-request'
import { DuplicateJobError, QueueFullError, type Job, type JobQueue } from './jobs'

/**
 * `POST /v1/images/generations` (OpenAI's: blocks until the images are made) and the job routes
 * around it: `POST /v1/jobs` (the same body, answers 202 at once), `GET /v1/jobs/:id`,
 * `GET /v1/jobs/:id/events` (server-sent events) and `DELETE /v1/jobs/:id` (cancel).
 */

export function registerJobRoutes(app: FastifyInstance, options: ServerOptions): void {
  const { queue } = options

  app.post('/v1/images/generations', async (request, reply) => {
    const job = await submit(request.body, options)
    // A client that hangs up does not leave its images running for nobody.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) queue.cancel(job.id)
    })
    await job.done
    if (job.status === 'succeeded') return imagesResponse(job)
    if (job.status === 'cancelled') throw new ApiError(409, `job ${job.id} was cancelled`, null, 'cancelled')
    throw fromEngineError(job.error ?? { code: 'internal', message: `job ${job.id} failed` })
  })

  app.post('/v1/jobs', async (request, reply) => {
    const job = await submit(request.body, options)
    void reply.code(202)
    return jobView(job)
  })

  app.get('/v1/jobs/:id', async (request) => {
    const job = jobOf(queue, request.params)
    return { ...jobView(job), result: job.status === 'succeeded' ? imagesResponse(job) : null }
  })

  app.delete('/v1/jobs/:id', async (request) => {
    const job = jobOf(queue, request.params)
    const outcome = queue.cancel(job.id)
    if (outcome === 'finished') {
      throw new ApiError(409, `job ${job.id} has already ${job.status}`, null, 'job_finished')
    }
    await job.done
    return jobView(job)
  })

  app.get('/v1/jobs/:id/events', (request, reply) => {
    const job = jobOf(queue, request.params)
    streamJobEvents(queue, job.id, reply)
  })
}

async function submit(body: unknown, options: ServerOptions): Promise<Job> {
  const parsed = parseImagesRequest(body)
  const name = parsed.model ?? options.defaultModel
  const model =
    name === undefined ? await options.catalog.defaultImageModel() : await options.catalog.get(name)
  if (!model) {
    const known = (await options.catalog.list()).map((m) => m.id).join(', ') || 'none'
    throw new ApiError(
      404,
      `model: no model "${name ?? '(default)'}" here (${known})`,
      'model',
      'model_not_found'
    )
  }
  if (model.kind !== 'image') {
    throw new ApiError(
      400,
      `model: ${model.id} makes videos; the images API serves image models`,
      'model',
      'invalid_value'
    )
  }
  const seed = parsed.cache_studio?.seed ?? randomInt(0, MAX_SEED)
  const requests = generateRequests(parsed, model, options.provider, seed)
  try {
    return options.queue.submit(requests, parsed.cache_studio?.job_id)
  } catch (e) {
    if (e instanceof QueueFullError) throw new ApiError(429, e.message, null, 'queue_full')
    if (e instanceof DuplicateJobError)
      throw new ApiError(409, e.message, 'cache_studio.job_id', 'job_exists')
    throw e
  }
}

function jobOf(queue: JobQueue, params: unknown): Job {
  const id = JobIdSchema.safeParse((params as { id?: unknown }).id)
  const job = id.success ? queue.get(id.data) : undefined
  if (!job) throw new ApiError(404, `no job "${String((params as { id?: unknown }).id)}"`, null, 'not_found')
  return job
}

function jobView(job: Job) {
  return {
    id: job.id,
    object: 'cache_studio.job',
    created: Math.floor(job.created / 1000),
    status: job.status,
    images: job.requests.length,
    events: `/v1/jobs/${job.id}/events`,
    error: job.error
  }
}

/** OpenAI's ImagesResponse, with each image's recipe, trace and summary under `cache_studio`. */
function imagesResponse(job: Job) {
  const images = job.images ?? []
  const first = images[0]
  return {
    created: Math.floor(job.created / 1000),
    data: images.map((image) => ({ b64_json: image.png_b64 })),
    output_format: 'png',
    size: first ? `${first.width}x${first.height}` : undefined,
    cache_studio: {
      job_id: job.id,
      images: images.map(({ png_b64: _png, ...rest }) => rest)
    }
  }
}
