import { z } from 'zod'
import { CalibratedPresetSchema } from './calibrated-presets'
import { PromptTextSchema } from './generation'

/**
 * The app on a remote engine (docs/serving.md, "The app on a remote engine"): what the status
 * bar says about the server in use, and the two studio routes `studio serve` adds beside
 * OpenAI's Images API under its own namespace, `/v1/cache-studio/…`, so the prompt's token count
 * and the calibrated presets come from the server that runs the model. Both ends parse with these.
 */

/**
 * `POST /v1/cache-studio/tokens`: a prompt through a served model's tokenizer (as countTokens);
 * the answer is generation.ts's PromptTokensSchema.
 */
export const ServeTokensRequestSchema = z
  .object({ model: z.string().min(1).max(256), prompt: PromptTextSchema })
  .strict()
export type ServeTokensRequest = z.infer<typeof ServeTokensRequestSchema>

/**
 * How a count that cannot be made starts its message (a plain OpenAI-Images server, an older
 * studio serve): the generate view shows it as a note, not as an error.
 */
export const TOKENS_UNAVAILABLE = 'unavailable: '

/** `POST /v1/cache-studio/calibrated-presets`: the presets `studio calibrate` saved for a served model. */
export const ServeCalibratedRequestSchema = z.object({ model: z.string().min(1).max(256) }).strict()
export type ServeCalibratedRequest = z.infer<typeof ServeCalibratedRequestSchema>

/** The answer: that model's presets, newest first (an empty list when it has none). */
export const ServeCalibratedResponseSchema = z
  .object({ object: z.literal('list'), data: z.array(CalibratedPresetSchema) })
  .strict()
export type ServeCalibratedResponse = z.infer<typeof ServeCalibratedResponseSchema>

/**
 * The remote engine's state, as main last saw it (it asks every few seconds while the engine is
 * remote). `connecting`: not answered yet; `ready` / `busy`: it answered (`busy`: jobs running
 * there); `lost`: no answer (down, unreachable, killed); `refused`: it answered but refuses the
 * token, or none is saved for it.
 */
export const REMOTE_STATES = ['connecting', 'ready', 'busy', 'lost', 'refused'] as const
export type RemoteState = (typeof REMOTE_STATES)[number]

export const RemoteEngineStatusSchema = z.object({
  url: z.string(),
  state: z.enum(REMOTE_STATES),
  /** `studio`: a `studio serve`; `openai`: a plain OpenAI-Images server; null until it has answered. */
  server: z.enum(['studio', 'openai']).nullable(),
  /** studio serve's /health: its engine version, where its jobs run, and its job counts. */
  version: z.string().nullable(),
  mode: z.enum(['local', 'farm']).nullable(),
  jobs: z
    .object({
      running: z.number().int().min(0),
      queued: z.number().int().min(0),
      capacity: z.number().int().min(0),
      maxQueued: z.number().int().min(0)
    })
    .nullable(),
  /** Why it is lost or refused, in words; null otherwise. */
  error: z.string().nullable(),
  /** When it last answered (ms since the epoch); null if it never has. */
  lastSeen: z.number().nullable()
})
export type RemoteEngineStatus = z.infer<typeof RemoteEngineStatusSchema>

/** A status of the server at `url` that knows only what `known` says (the rest: not answered). */
export function remoteStatus(
  url: string,
  state: RemoteState,
  known: Partial<Omit<RemoteEngineStatus, 'url' | 'state'>> = {}
): RemoteEngineStatus {
  return {
    url,
    state,
    server: null,
    version: null,
    mode: null,
    jobs: null,
    error: null,
    lastSeen: null,
    ...known
  }
}
