import { EngineFailure } from '../engine/errors'

/**
 * The `data:` payloads of a server-sent event stream, parsed as JSON, in order. A stream cut
 * mid-way (the server died, the network dropped) ends the iteration with an `engine_crashed`
 * failure naming the server, so the caller can say the connection was lost.
 */
export async function* readEventStream(res: Response, url: string): AsyncGenerator<unknown> {
  if (!res.body) return
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true })
      let end
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n')
        if (data) yield JSON.parse(data)
      }
    }
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new EngineFailure('internal', `remote engine at ${url}: bad event (${e.message})`)
    throw new EngineFailure(
      'engine_crashed',
      `remote engine at ${url}: connection lost (${(e as Error).message})`
    )
  }
}
