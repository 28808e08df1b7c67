import { z } from 'zod'
import { EngineErrorSchema } from './engine-protocol'
import { ImportModelParamsSchema, ImportModelResultSchema, ImportProgressSchema } from './model-import'

/**
 * The door between the engine's message loop and the import thread (engine/app-import/): the
 * loop starts one thread per `importModel` with the request's params as its workerData, and the
 * thread posts its progress lines, then one result or one error, and ends. Both sides check what
 * crosses with these schemas, so an error keeps its code and one-line message on the way out.
 */

export const ImportThreadDataSchema = z.object({ params: ImportModelParamsSchema }).strict()
export type ImportThreadData = z.infer<typeof ImportThreadDataSchema>

export const ImportThreadMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), event: ImportProgressSchema }).strict(),
  z.object({ type: z.literal('result'), result: ImportModelResultSchema }).strict(),
  z.object({ type: z.literal('error'), error: EngineErrorSchema }).strict()
])
export type ImportThreadMessage = z.infer<typeof ImportThreadMessageSchema>
