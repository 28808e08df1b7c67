import { z } from 'zod'
import { ProviderSchema } from './providers'
import { describeIssues } from './validation'

/**
 * The engine's options cross the process boundary (host → worker) as one argv entry of JSON,
 * written by the host (`engineArgs`, main) and read by the worker (`readEngineArgs`, the engine):
 * the schema of that door lives here, in the contract, as every boundary's does. The thread entry
 * is a path because the worker can't know where the bundle put it; the host can (electron-vite
 * `?modulePath`). What is read is passed to `Engine.create`, whose `EngineOptions` it must fit
 * (the compiler checks that at the call in engine/worker.ts).
 */
const FLAG = '--engine-options='

const EngineArgsSchema = z
  .object({
    modelDirs: z.object({ embedded: z.array(z.string()), user: z.array(z.string()).optional() }),
    thread: z.object({ url: z.string(), tsx: z.boolean().optional() }),
    /** The import thread's built file (engine/app-import/import-thread.ts), found as `thread` is. */
    importThread: z.object({ url: z.string(), tsx: z.boolean().optional() }).optional(),
    defaultProvider: ProviderSchema.optional(),
    tuning: z.object({ intraOpThreads: z.number().int().min(0) }).optional()
  })
  .strict()
export type EngineArgs = z.infer<typeof EngineArgsSchema>

export function engineArgs(options: EngineArgs): string[] {
  return [FLAG + JSON.stringify(options)]
}

export function readEngineArgs(argv: readonly string[]): EngineArgs {
  const arg = argv.find((a) => a.startsWith(FLAG))
  if (!arg) throw new Error(`engine worker: missing ${FLAG}<json> argument`)
  const parsed = EngineArgsSchema.safeParse(JSON.parse(arg.slice(FLAG.length)))
  if (!parsed.success) throw new Error(describeIssues('engine worker options', parsed.error))
  return parsed.data
}
