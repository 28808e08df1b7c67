/**
 * Calls sent through a door and not yet answered, by id: the one correlation helper of the app's
 * two request/answer doors, main → engine process (main/engine-host/engine-host.ts) and engine →
 * generation thread (main/engine/engine.ts). A call settles exactly once — by its answer, its
 * failure, its timeout, or `failAll` when the other side is gone — and what arrives for an id that
 * is settled or unknown (a late answer) is dropped. `route` is what a call carries besides its
 * promise: the listeners its progress goes to, the method named in a crash's words.
 */
export class PendingCalls<Id, Route> {
  readonly #calls = new Map<Id, Call<Route>>()

  /**
   * Opens the call `id` (before its message is posted, so no answer can come first). With
   * `timeout`, the call fails with `timeout.error()` unless it settles within `timeout.ms`.
   */
  open(id: Id, route: Route, timeout?: { ms: number; error: () => Error }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: Call<Route> = { route, resolve, reject }
      if (timeout) call.timer = setTimeout(() => this.fail(id, timeout.error()), timeout.ms)
      this.#calls.set(id, call)
    })
  }

  /** The route of a call still open: where its progress goes. */
  route(id: Id): Route | undefined {
    return this.#calls.get(id)?.route
  }

  answer(id: Id, value: unknown): void {
    this.#take(id)?.resolve(value)
  }

  fail(id: Id, error: Error): void {
    this.#take(id)?.reject(error)
  }

  /** Fails every open call, each with the error its route calls for. */
  failAll(error: (route: Route) => Error): void {
    for (const id of [...this.#calls.keys()]) {
      const call = this.#take(id)
      call?.reject(error(call.route))
    }
  }

  get size(): number {
    return this.#calls.size
  }

  #take(id: Id): Call<Route> | undefined {
    const call = this.#calls.get(id)
    if (!call) return undefined
    this.#calls.delete(id)
    clearTimeout(call.timer)
    return call
  }
}

interface Call<Route> {
  route: Route
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer?: ReturnType<typeof setTimeout>
}
