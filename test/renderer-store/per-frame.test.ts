import { describe, expect, it } from 'vitest'
import { create } from 'zustand'
import { subscribePerFrame, type Scheduler } from '../../src/renderer/src/store/per-frame'

/** Frames run by hand: `frame()` runs what was scheduled, whatever delay each asked for. */
function frames(): { schedule: Scheduler; delays: number[]; frame(): void; pending(): number } {
  let queue: (() => void)[] = []
  const delays: number[] = []
  return {
    delays,
    schedule: (run, delayMs) => {
      delays.push(delayMs)
      queue.push(run)
      return () => (queue = queue.filter((r) => r !== run))
    },
    frame: () => {
      const due = queue
      queue = []
      due.forEach((r) => r())
    },
    pending: () => queue.length
  }
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

function stepStore() {
  const store = create<{ step: number }>()(() => ({ step: 0 }))
  const f = frames()
  let clock = 1000
  const seen: number[] = []
  return { store, f, seen, clock: { advance: (ms: number) => (clock += ms), now: () => clock } }
}

describe('subscribePerFrame', () => {
  it('tells a change after a quiet spell at once, then the many changes of a stream once per frame, the latest state', async () => {
    const { store, f, seen, clock } = stepStore()
    subscribePerFrame(store.subscribe, () => seen.push(store.getState().step), {
      schedule: f.schedule,
      now: clock.now
    })
    store.setState({ step: 1 })
    expect(seen).toEqual([1])
    await tick()
    for (let step = 2; step <= 50; step++) store.setState({ step })
    expect(seen).toEqual([1])
    expect(f.pending()).toBe(1)
    f.frame()
    expect(seen).toEqual([1, 50])
    await tick()
    store.setState({ step: 51 })
    f.frame()
    // A frame with no change tells nothing.
    f.frame()
    expect(seen).toEqual([1, 50, 51])
  })

  it('waits after a call twice as long as the call took, and at least a frame', async () => {
    const { store, f, clock } = stepStore()
    // The listener's work (the render it sets off) takes 40 ms of the clock.
    subscribePerFrame(store.subscribe, () => clock.advance(40), { schedule: f.schedule, now: clock.now })
    store.setState({ step: 1 })
    await tick()
    clock.advance(10)
    store.setState({ step: 2 })
    // Started at 1000, ended at 1040 after 40 ms of work: nothing before 1120, 70 ms from 1050.
    expect(f.delays).toEqual([70])
    f.frame()
    await tick()
    clock.advance(200)
    // Long quiet: at once again.
    store.setState({ step: 3 })
    expect(f.delays).toEqual([70])
  })

  it('a cheap listener still waits a frame between calls', async () => {
    const { store, f, clock } = stepStore()
    subscribePerFrame(store.subscribe, () => undefined, { schedule: f.schedule, now: clock.now })
    store.setState({ step: 1 })
    await tick()
    clock.advance(4)
    store.setState({ step: 2 })
    expect(f.delays).toEqual([12])
  })

  it('unsubscribing drops the frame already asked for', async () => {
    const { store, f, seen, clock } = stepStore()
    const stop = subscribePerFrame(store.subscribe, () => seen.push(store.getState().step), {
      schedule: f.schedule,
      now: clock.now
    })
    store.setState({ step: 1 })
    await tick()
    store.setState({ step: 2 })
    expect(f.pending()).toBe(1)
    stop()
    expect(f.pending()).toBe(0)
    store.setState({ step: 3 })
    f.frame()
    expect(seen).toEqual([1])
  })
})
