import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decode } from 'fast-png'
import type { EngineState } from '../../src/shared/engine-status'
import type { GenerateRequestInput } from '../../src/shared/generation'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { RecordingSpawner, realEngineSpawner } from './real-engine'
import { failureOf } from '../engine/failure-of'

/** A generate on the tiny fixture; many steps make it run long enough to kill or cancel midway. */
const request = (steps: number): GenerateRequestInput => ({
  model: 'tiny-image',
  prompt: 'a red circle',
  seed: 3,
  steps
})

// One engine for the file: starting ONNX Runtime takes seconds on a busy 2-core machine.
// The crash test leaves a restarted engine behind, which the later tests then use.
const spawner = new RecordingSpawner(realEngineSpawner())
const host = new EngineHost(spawner, { restartBackoffMs: [50] })
const states: EngineState[] = []
beforeAll(() => {
  host.onStatus((s) => states.push(s.state))
  host.start()
})
afterAll(() => host.dispose())

describe('EngineHost with the real engine in a forked Node child', () => {
  it('starts the engine and answers status once it is ready', async () => {
    const info = await host.request('status', {})
    expect(info.providers).toContain('cpu')
    expect(host.status()).toMatchObject({ state: 'ready', version: info.version, error: null })
    expect(states.slice(0, 2)).toEqual(['starting', 'ready'])
  })

  it('BAD CALL - a generate without a seed fails with bad_request naming the field', async () => {
    const e = await failureOf(host.generate({ model: 'tiny-image', prompt: 'x' } as GenerateRequestInput))
    expect(e.code).toBe('bad_request')
    expect(e.message).toMatch(/^generate: invalid payload: seed:/)
  })

  it('EXPECTED FAILURE - engine killed mid-generate: the request fails with engine_crashed, the engine restarts and serves the next one', async () => {
    const first = spawner.live
    let killed = false
    const running = host.generate(request(400), {
      onProgress: () => {
        if (killed) return
        killed = true
        first.kill() // SIGKILL, as a native crash in ONNX Runtime would end it
      }
    })
    const e = await failureOf(running)
    expect(killed).toBe(true)
    expect(e.code).toBe('engine_crashed')
    expect(e.message).toMatch(/^generate failed: the engine stopped unexpectedly \(killed by SIGKILL\)/)

    const result = await host.generate(request(2))
    expect(result.recipe).toMatchObject({ model: 'tiny-image', steps: 2 })
    const png = decode(result.files[0].bytes)
    expect([png.width, png.height]).toEqual([result.width, result.height])
    // The served engine keeps the raw pixels out of the answer: main saves the files.
    expect(result).not.toHaveProperty('pixels')
    expect(spawner.children).toHaveLength(2)
    expect(spawner.live.pid).not.toBe(first.pid)
    expect(states).toEqual(expect.arrayContaining(['busy', 'crashed', 'restarting']))
    expect(host.status()).toMatchObject({ state: 'ready', restarts: 1 })
  })

  it('cancels a running generate through its signal and keeps serving', async () => {
    const controller = new AbortController()
    const running = host.generate(request(400), {
      signal: controller.signal,
      onProgress: () => controller.abort()
    })
    expect((await failureOf(running)).code).toBe('cancelled')
    const info = await host.request('status', {})
    expect(info.busy).toBe(false)
  })

  it('runs one generate at a time and drops a queued one that is cancelled', async () => {
    const first = host.generate(request(2))
    const controller = new AbortController()
    const queued = host.generate(request(2), { signal: controller.signal })
    controller.abort()
    expect((await failureOf(queued)).code).toBe('cancelled')
    await expect(first).resolves.toMatchObject({ recipe: { steps: 2 } })
  })

  it('compares two outputs in the engine: identical pixels score the PSNR cap and SSIM 1', async () => {
    const pixels = new Uint8Array(8 * 8 * 4).map((_, i) => (i * 37) % 256)
    const result = await host.request('compare', {
      width: 8,
      height: 8,
      frames: 1,
      a: pixels,
      b: pixels.slice()
    })
    expect(result.ssim).toBeCloseTo(1, 6)
    expect(result.heatmap).toBeInstanceOf(Uint8Array)
    expect(result.heatmap.length).toBe(pixels.length)
  })
})
