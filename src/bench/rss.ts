/**
 * Peak resident set size of this process while a generation runs. The pipeline runs on this
 * thread with ONNX Runtime's own threads beside it; RSS is per process, so it counts both.
 * Sampled on a timer (between session calls, whenever the event loop turns) and explicitly at
 * each step; RSS is the kernel's count of touched pages, the figure a user's task manager shows.
 */
export class RssSampler {
  #peak = 0
  #timer: ReturnType<typeof setInterval> | null = null

  start(intervalMs = 5): void {
    this.sample()
    this.#timer = setInterval(() => this.sample(), intervalMs)
    this.#timer.unref()
  }

  sample(): void {
    const rss = process.memoryUsage.rss()
    if (rss > this.#peak) this.#peak = rss
  }

  /** Stops sampling; returns the peak in bytes. */
  stop(): number {
    this.sample()
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = null
    return this.#peak
  }
}
