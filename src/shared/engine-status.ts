import { z } from 'zod'
import { PROVIDERS } from './providers'
import { RemoteEngineStatusSchema } from './remote-engine'

/**
 * What the engine supervisor (main process) says about the engine: the status bar shows it.
 * `crashed` with `gaveUp` means restarts stopped after repeated crashes; the user restarts by hand.
 */
export const ENGINE_STATES = ['starting', 'ready', 'busy', 'crashed', 'restarting', 'stopped'] as const
export type EngineState = (typeof ENGINE_STATES)[number]

export const EngineHostStatusSchema = z.object({
  state: z.enum(ENGINE_STATES),
  /** Why the engine last failed, in words; null while it is healthy. */
  error: z.string().nullable(),
  restarts: z.number().int().min(0),
  gaveUp: z.boolean(),
  /** Engine version and providers, known once it has answered `status`. */
  version: z.string().nullable(),
  providers: z.array(z.enum(PROVIDERS).exclude(['auto'])),
  /**
   * The engine in use when Settings → Engine is remote (main/remote/engine-router.ts): the
   * server's state; null or absent while this app's own engine generates. The fields above stay
   * this app's engine, which still computes compare's metrics.
   */
  remote: RemoteEngineStatusSchema.nullable().optional()
})
export type EngineHostStatus = z.infer<typeof EngineHostStatusSchema>
