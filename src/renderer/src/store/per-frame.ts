export type Subscribe = (listener: () => void) => () => void
/** Runs a callback later (the next frame, or after a delay); returns what cancels it. */
export type Scheduler = (run: () => void, delayMs: number) => () => void

/**
 * The browser's next frame after `delayMs`; a timer where there are no frames. A hidden window
 * gets no frames, so what it shows catches up when it is shown again, in one render.
 */
export const frameAfter: Scheduler = (run, delayMs) => {
  let cancelFrame = (): void => undefined
  const frame = (): void => {
    if (typeof requestAnimationFrame !== 'function') return run()
    const id = requestAnimationFrame(run)
    cancelFrame = () => cancelAnimationFrame(id)
  }
  const timer = setTimeout(
    frame,
    typeof requestAnimationFrame === 'function' ? delayMs : Math.max(delayMs, 16)
  )
  return () => {
    clearTimeout(timer)
    cancelFrame()
  }
}

/** A frame at 60 Hz: no two calls closer than this. */
const FRAME_MS = 16
/** Idle time left after a call, per ms the call took: renders take at most a third of the thread. */
const IDLE_PER_BUSY = 2

export interface PerFrameOptions {
  schedule?: Scheduler
  now?: () => number
}

/**
 * Subscribes to a store so that the listener hears of its changes at most once per frame, every
 * change made meanwhile told in one call (a change after a quiet spell at once), and never sooner after the last call than that call
 * took, twice over: React renders a store change in a microtask of the task that told it, so the
 * time until the next microtask is the render's cost, and the main thread is left twice as long
 * for everything else. A run's progress events can come every few milliseconds; a view that drew
 * each one (a 1000-step chart takes tens of ms) would take the whole main thread and leave the
 * events, clicks and Esc queued behind it. Small views still draw every frame.
 */
export function subscribePerFrame(
  subscribe: Subscribe,
  listener: () => void,
  { schedule = frameAfter, now = () => performance.now() }: PerFrameOptions = {}
): () => void {
  let cancel: (() => void) | null = null
  let lastStart = -Infinity
  let lastEnd = -Infinity
  let lastCost = 0
  const tell = (): void => {
    cancel = null
    const start = now()
    lastStart = start
    listener()
    queueMicrotask(() => {
      lastEnd = now()
      lastCost = lastEnd - start
    })
  }
  const unsubscribe = subscribe(() => {
    if (cancel) return
    const wait = Math.max(lastStart + FRAME_MS, lastEnd + IDLE_PER_BUSY * lastCost) - now()
    // A change after a quiet spell (a click) is drawn at once; one in a stream waits its turn.
    if (wait <= 0) tell()
    else cancel = schedule(tell, wait)
  })
  return () => {
    unsubscribe()
    cancel?.()
  }
}
