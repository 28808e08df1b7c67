import { describe, expect, it } from 'vitest'
import { EngineHost } from '../../src/main/engine-host/engine-host'
import { parseEngineMessage } from '../../src/shared/engine-messages'
import type { ProgressEvent } from '../../src/shared/generation'
import { ScriptedChild } from './scripted-child'

/** A generate's progress messages as the host receives them: checked against ProgressEventSchema. */
const event = {
  step: 2,
  totalSteps: 12,
  elapsedMs: 30,
  etaMs: 120,
  traces: [
    {
      step: 2,
      timestep: 0.8,
      branch: 'cond',
      transformer: 'main',
      context: 'blocks',
      distance: 0.05,
      threshold: 0.08,
      cached: true,
      reason: 'similar',
      blocksRun: 8,
      blocksTotal: 12,
      ms: 1
    }
  ],
  preview: { width: 2, height: 1, pixels: new Uint8Array(8) }
}

describe('progress messages at the host', () => {
  it('a well-formed event, preview pixels and all, reaches the generate that asked', async () => {
    const child = new ScriptedChild()
    const host = new EngineHost({ spawn: () => child })
    host.start()
    child.send({ kind: 'ready', version: 'test' })
    const seen: ProgressEvent[] = []
    const running = host.generate({ model: 'm', prompt: 'p', seed: 1 }, { onProgress: (e) => seen.push(e) })
    const id = await child.idOf('generate')
    const message = { kind: 'progress', id, event }
    expect(parseEngineMessage(message)).toBeDefined()
    child.send(message)
    child.send({ kind: 'progress', id: 'generate-99', event })
    expect(seen).toEqual([event])
    expect(seen[0]?.preview?.pixels).toBeInstanceOf(Uint8Array)
    await host.dispose()
    await expect(running).rejects.toMatchObject({ code: 'engine_crashed' })
  })

  it('BAD MESSAGE - a step that is not a number, a trace without its decision or pixels as a list are dropped', () => {
    const { traces } = event
    for (const bad of [
      { ...event, step: '2' },
      { ...event, traces: [{ ...traces[0], cached: undefined }] },
      { ...event, preview: { width: 2, height: 1, pixels: [0, 0, 0, 0, 0, 0, 0, 0] } }
    ])
      expect(parseEngineMessage({ kind: 'progress', id: 'generate-1', event: bad })).toBeUndefined()
  })
})
