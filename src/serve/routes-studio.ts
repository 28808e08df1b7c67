import type { FastifyInstance } from 'fastify'
import type { z } from 'zod'
import { calibratedAsPreset, calibratedOfModel } from '../shared/calibrated-presets'
import type { ModelInfo } from '../shared/manifest'
import {
  ServeCalibratedRequestSchema,
  ServeTokensRequestSchema,
  type ServeCalibratedResponse
} from '../shared/remote-engine'
import type { PromptTokens } from '../shared/generation'
import {
  calibratedPresetsPath,
  defaultUserDataDir,
  readCalibratedPresets
} from '../main/engine/calibrated-store'
import { isEngineFailure } from '../main/engine/errors'
import { countPromptTokens } from '../main/engine/pipeline/prompt-tokens'
import { ApiError, fromEngineError, invalidBody } from './api-error'
import type { ServerOptions } from './server-options'

/**
 * The studio's own routes beside OpenAI's, under `/v1/cache-studio/` (docs/serving.md, "The app
 * on a remote engine"): what the app asks of the engine besides generating, answered by the
 * server that holds the model. `tokens` is the local engine's countTokens (the model's own
 * tokenizer, no session loaded); `calibrated-presets` is what `studio calibrate` saved for the
 * model on this machine, read and checked as the app reads its own.
 */

export function registerStudioRoutes(app: FastifyInstance, options: ServerOptions): void {
  app.post('/v1/cache-studio/tokens', async (request): Promise<PromptTokens> => {
    const body = parseBody('tokens', ServeTokensRequestSchema, request.body)
    const model = await servedModel(options, body.model)
    return engineCall(() => countPromptTokens(model.path, body.prompt))
  })

  app.post('/v1/cache-studio/calibrated-presets', async (request): Promise<ServeCalibratedResponse> => {
    const body = parseBody('calibrated-presets', ServeCalibratedRequestSchema, request.body)
    const model = await servedModel(options, body.model)
    const path = calibratedPresetsPath(
      model.path,
      model.embedded,
      options.userDataDir ?? defaultUserDataDir()
    )
    const file = await engineCall(() => readCalibratedPresets(path))
    const presets = calibratedOfModel(model.id, file?.presets ?? [])
    for (const p of presets) {
      // A preset whose base fields do not resolve (a hand-edited file) is refused with its label.
      try {
        calibratedAsPreset(p)
      } catch (e) {
        throw new ApiError(
          400,
          `calibrated presets of ${model.id}: preset "${p.label}": ${(e as Error).message}`,
          null,
          'invalid_value'
        )
      }
    }
    return { object: 'list', data: presets }
  })
}

function parseBody<T>(what: string, schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body)
  if (!parsed.success) throw invalidBody(what, parsed.error)
  return parsed.data
}

async function servedModel(options: ServerOptions, id: string): Promise<ModelInfo> {
  const model = await options.catalog.get(id)
  if (!model) {
    const known = (await options.catalog.list()).map((m) => m.id).join(', ') || 'none'
    throw new ApiError(404, `model: no model "${id}" here (${known})`, 'model', 'model_not_found')
  }
  return model
}

/** The engine's coded failures in the API's error shape (a model without a tokenizer is a 400). */
async function engineCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (e) {
    if (isEngineFailure(e)) throw fromEngineError({ code: e.code, message: e.message })
    throw e
  }
}
