import type { EngineChild } from '../../src/main/engine-host/spawner'

/**
 * A child that is only its message channel: the test plays the engine's side, so what reaches a
 * request's callbacks is exactly what the host did with a message (parse, route by id).
 */
export class ScriptedChild implements EngineChild {
  readonly pid = 1
  /** What the host posted, in order. */
  readonly posted: { kind: string; id: string; method: string }[] = []
  #listener: (message: unknown) => void = () => undefined

  postMessage(message: unknown): void {
    this.posted.push(message as ScriptedChild['posted'][number])
  }
  onMessage(listener: (message: unknown) => void): void {
    this.#listener = listener
  }
  onExit(): void {}
  stderrTail(): string {
    return ''
  }
  kill(): void {}

  /** A message from the engine's side. */
  send(message: unknown): void {
    this.#listener(message)
  }

  /** The id of the first request for `method`, once the host has posted it. */
  async idOf(method: string): Promise<string> {
    for (let turn = 0; turn < 100; turn++) {
      const request = this.posted.find((m) => m.method === method)
      if (request) return request.id
      await new Promise((resolve) => setImmediate(resolve))
    }
    throw new Error(`the host posted no ${method} request`)
  }
}
