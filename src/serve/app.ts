import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify'
import { ENGINE_VERSION } from '../shared/engine-protocol'
import { ApiError, errorBody } from './api-error'
import { registerJobRoutes } from './routes-jobs'
import { registerStudioRoutes } from './routes-studio'
import type { ServerOptions } from './server-options'
import { bearerMatches } from './token'

/**
 * The HTTP face of the engine (docs/serving.md): OpenAI's Images API, job routes, and the studio's
 * own under /v1/cache-studio/ (token count, calibrated presets). Every route but /health needs
 * the bearer token; bodies are JSON up to `bodyLimit` bytes (413 past it) and are checked with
 * zod schemas before anything runs; every error, ours or fastify's, is answered in OpenAI's
 * error shape.
 */

export function buildServer(options: ServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    // A blocking images request lasts as long as its generation; idle sockets still time out.
    requestTimeout: 0,
    keepAliveTimeout: 10_000,
    routerOptions: { maxParamLength: 128 },
    // Close keep-alive sockets on shutdown instead of waiting for clients to drop them.
    forceCloseConnections: 'idle'
  })

  // fastify's JSON parser (prototype-poisoning checks kept), but an empty body is no body: clients
  // send `content-type: application/json` on a DELETE too.
  const json = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined)
    else json(request, String(body), done)
  })

  app.addHook('onRequest', async (request) => {
    if (request.url === '/health') return
    if (!bearerMatches(request.headers.authorization, options.token)) {
      throw new ApiError(
        401,
        'missing or wrong bearer token (Authorization: Bearer TOKEN)',
        null,
        'invalid_api_key'
      )
    }
  })

  app.setErrorHandler((error: FastifyError | ApiError, _request, reply) => {
    sendError(reply, asApiError(error))
  })
  app.setNotFoundHandler((request, reply) => {
    sendError(
      reply,
      new ApiError(404, `no route ${request.method} ${request.url.split('?')[0]}`, null, 'not_found')
    )
  })

  app.get('/health', async () => {
    const jobs = options.queue.stats()
    return { status: 'ok', version: ENGINE_VERSION, mode: options.queue.mode, jobs }
  })

  app.get('/v1/models', async () => {
    const models = await options.catalog.list()
    return {
      object: 'list',
      data: models.map(({ path: _path, sourceDir: _source, ...info }) => ({
        id: info.id,
        object: 'model',
        created: 0,
        owned_by: 'cache-studio',
        cache_studio: info
      }))
    }
  })

  registerJobRoutes(app, options)
  registerStudioRoutes(app, options)
  return app
}

export function sendError(reply: FastifyReply, error: ApiError): void {
  if (error.status === 401) void reply.header('www-authenticate', 'Bearer')
  if (error.status === 429) void reply.header('retry-after', '1')
  void reply.code(error.status).send(errorBody(error))
}

/** fastify's own errors (body too large, bad JSON, wrong content type) in our shape. */
function asApiError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error
  const status = error.statusCode ?? 500
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new ApiError(413, `request body too large: ${error.message}`, null, 'body_too_large')
  }
  if (status >= 500) {
    process.stderr.write(`studio serve: ${error.stack ?? error.message}\n`)
    return new ApiError(500, 'internal server error', null, 'internal')
  }
  return new ApiError(status, error.message, null, error.code ?? null)
}
