import { z } from 'zod'

/**
 * Settings → Engine: the engine in this app (local) or one on another machine (remote,
 * docs/serving.md): a `studio serve`, or any server speaking OpenAI's Images API. The URL is the
 * server's root (http or https, no path); the token is its bearer token. settings.json keeps the
 * mode and the URL only (EngineChoice); the token is kept apart, encrypted by the OS
 * (main/remote/engine-token.ts), and joined to the choice only in main (EngineEndpoint).
 */
export const EngineUrlSchema = z
  .string()
  .url()
  .refine((u) => /^https?:\/\/[^/]+\/?$/.test(u), 'expected http(s)://HOST:PORT, without a path')

export const EngineTokenSchema = z.string().min(16, 'the server token has at least 16 characters').max(4096)

export const EngineEndpointSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('local') }).strict(),
  z.object({ mode: z.literal('remote'), url: EngineUrlSchema, token: EngineTokenSchema }).strict()
])
export type EngineEndpoint = z.infer<typeof EngineEndpointSchema>

export const LOCAL_ENGINE: EngineEndpoint = { mode: 'local' }

/** What settings.json keeps of the engine: never the token. */
export const EngineChoiceSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('local') }).strict(),
  z.object({ mode: z.literal('remote'), url: EngineUrlSchema }).strict()
])
export type EngineChoice = z.infer<typeof EngineChoiceSchema>

/** Settings → Engine's Save: a remote engine with a new token, or without one to keep the saved token. */
export const SetEngineSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('local') }).strict(),
  z.object({ mode: z.literal('remote'), url: EngineUrlSchema, token: EngineTokenSchema.optional() }).strict()
])
export type SetEngine = z.input<typeof SetEngineSchema>

/** "Test connection": a server and its token (absent: the saved one, for the saved URL only). */
export const TestEngineSchema = z
  .object({ url: EngineUrlSchema, token: EngineTokenSchema.optional() })
  .strict()
export type TestEngine = z.input<typeof TestEngineSchema>

/** The engine setting as the renderer sees it: the choice, and whether a token is kept (never the token). */
export interface EngineInfo {
  engine: EngineChoice
  tokenSaved: boolean
  /** `encrypted`: in the OS's keychain-backed storage; `session`: that is unavailable, kept until the app quits. */
  tokenStorage: 'encrypted' | 'session'
}

/**
 * What a server answered to "test connection". `studio`: a `studio serve` (live progress, cache
 * trace, cancel); `openai`: a plain OpenAI-Images-compatible server (the image only, no trace).
 */
export interface EngineProbe {
  server: 'studio' | 'openai'
  version: string | null
  models: { id: string; name: string; kind: 'image' | 'video' }[]
}
