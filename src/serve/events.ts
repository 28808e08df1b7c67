import type { FastifyReply } from 'fastify'
import type { JobQueue } from './jobs'
import { TERMINAL_EVENTS, type JobEvent } from './wire'

/**
 * A job's events as server-sent events: `event: <type>` and `data: <JobEvent JSON>` (wire.ts),
 * from the job's first event, until its terminal one (`succeeded`, `failed`, `cancelled`), when
 * the stream ends. A comment line every few seconds keeps proxies from closing a quiet stream
 * (a step of a big model can take longer than their idle timeout).
 */

const HEARTBEAT_MS = 15_000

export function streamJobEvents(queue: JobQueue, id: string, reply: FastifyReply): void {
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no'
  })
  let open = true
  const heartbeat = setInterval(() => open && res.write(': keep-alive\n\n'), HEARTBEAT_MS)
  heartbeat.unref()
  let unsubscribe = () => {}
  const close = () => {
    if (!open) return
    open = false
    clearInterval(heartbeat)
    unsubscribe()
    res.end()
  }
  const send = (event: JobEvent) => {
    if (!open) return
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    if (TERMINAL_EVENTS.has(event.type)) close()
  }
  // The response's close: the client went away (a request's close fires once its body is read).
  res.on('close', close)
  unsubscribe = queue.subscribe(id, send)
  if (!open) unsubscribe()
}
