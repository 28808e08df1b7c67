import { z } from 'zod'

/**
 * Settings → Engine: the engine in this app (local) or a `studio serve` on another machine
 * (remote, docs/serving.md). The URL is the server's root (http or https, no path); the token is
 * the bearer token of its --token-file.
 */
export const EngineEndpointSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('local') }).strict(),
  z
    .object({
      mode: z.literal('remote'),
      url: z
        .string()
        .url()
        .refine((u) => /^https?:\/\/[^/]+\/?$/.test(u), 'expected http(s)://HOST:PORT, without a path'),
      token: z.string().min(16, 'the server token has at least 16 characters').max(4096)
    })
    .strict()
])
export type EngineEndpoint = z.infer<typeof EngineEndpointSchema>

export const LOCAL_ENGINE: EngineEndpoint = { mode: 'local' }
