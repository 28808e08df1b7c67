import { z } from 'zod'
import { EngineErrorSchema, type EngineMessage } from './engine-protocol'
import { ProgressEventSchema } from './generation'
import { ImportProgressSchema } from './model-import'

/**
 * What the engine sends its host, checked once where it arrives (engine-host). Results are left
 * `unknown` here: each is typed by the method that asked for it (EngineMethodResults), and main
 * passes on only what it needs of them. A message that does not parse is dropped: it cannot be
 * routed to a request, and the request's own timeout or the process exit settles it.
 */
export const EngineMessageSchema = z.union([
  z.object({ kind: z.literal('ready'), version: z.string() }),
  z.object({ kind: z.literal('progress'), id: z.string(), event: ProgressEventSchema }),
  z.object({ kind: z.literal('importProgress'), id: z.string(), event: ImportProgressSchema }),
  z.object({ kind: z.literal('response'), id: z.string(), ok: z.literal(true), result: z.unknown() }),
  z.object({ kind: z.literal('response'), id: z.string(), ok: z.literal(false), error: EngineErrorSchema })
])

// The schema and the protocol's message types say the same thing (a compile-time check).
type Parsed = z.infer<typeof EngineMessageSchema>
const _sameMessages: [
  Parsed extends EngineMessage ? true : false,
  EngineMessage extends Parsed ? true : false
] = [true, true]
void _sameMessages

export function parseEngineMessage(message: unknown): EngineMessage | undefined {
  const parsed = EngineMessageSchema.safeParse(message)
  return parsed.success ? parsed.data : undefined
}
